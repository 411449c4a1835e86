"""``quimbot-tui export RUN[:STEP] --out DIR``: merged safetensors, GGUF, Ollama Modelfile."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "export",
        help="merge an adapter into its base; write safetensors, GGUF, a Modelfile",
        description="Merge a run's adapter (latest checkpoint, or STEP) into its base model and "
        "save safetensors with the tokenizer and chat template; check that the merged model's "
        "logits match base plus adapter on probe prompts; optionally write a GGUF file and an "
        "Ollama Modelfile with an explicit chat template and stop tokens.",
    )
    p.add_argument("run", metavar="RUN[:STEP]", help="a run, run:STEP, or adapter:PATH")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--model", help="the base model (default: the one the adapter names)")
    p.add_argument("--gguf", choices=("f16", "q8_0"), help="also write a GGUF file")
    p.add_argument(
        "--ollama", metavar="NAME", help="also write a Modelfile (implies --gguf f16 unless given)"
    )
    p.add_argument(
        "--require-eval",
        metavar="SUITE",
        help="export only if the adapter does not fall below base on the suite's key metrics",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from engine import activity
    from engine.compare import resolve_side
    from engine.export import export_adapter
    from engine.workspace import Workspace
    from quimbot_tui.cli.progress import TextProgress

    ws = Workspace.open(args.workspace)
    resolved = resolve_side(ws, args.run, model=args.model)
    if resolved.side.adapter is None:
        raise ValueError("the base model has no adapter to merge: name a run or adapter:PATH")
    gate = _gate(ws, args, resolved) if args.require_eval else None
    bar = TextProgress()
    try:
        report = export_adapter(
            resolved.base,
            Path(resolved.side.adapter),
            Path(args.out),
            gguf=args.gguf,
            ollama=args.ollama,
            on_progress=bar,
            gate=gate.as_dict() if gate is not None else None,
        )
    finally:
        bar.close()
    activity.log(
        ws.db,
        "export",
        resolved.side.label,
        out=str(report.out),
        gguf=report.gguf_type,
        ollama=report.ollama_name,
    )
    print(f"merged model: {report.merged}")
    print(
        f"  max |Δlogit| against base + adapter: {report.max_abs_diff:.2e} "
        f"(tolerance {report.tolerance:g}) on probe prompts"
    )
    if report.gguf is not None:
        print(f"GGUF ({report.gguf_type}): {report.gguf}")
    if report.modelfile is not None:
        print(f"Modelfile: {report.modelfile}")
        print(f"  ollama create {report.ollama_name} -f {report.modelfile}")
    return 0


def _gate(ws: Any, args: argparse.Namespace, resolved: Any) -> Any:
    """Evaluate base and adapter on the suite; ExportBlocked (nothing written) unless the
    adapter holds its own on every key metric."""
    from engine import activity
    from engine.eval.gate import require_eval
    from engine.export import ExportBlocked
    from quimbot_tui.cli.progress import TextProgress

    bar = TextProgress()
    try:
        gate = require_eval(ws, args.require_eval, args.run, model=resolved.base, on_progress=bar)
    except ExportBlocked:
        activity.log(ws.db, "export.blocked", resolved.side.label, suite=args.require_eval)
        raise
    finally:
        bar.close()
    print(gate.message())
    return gate

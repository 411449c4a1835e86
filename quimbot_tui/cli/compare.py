"""``quimbot-tui compare`` and ``quimbot-tui prefs export``."""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "compare",
        help="answer one prompt with two sides and print both answers",
        description="Answer a conversation with two sides (base, RUN[:STEP] or adapter:PATH) "
        "from one loaded copy of the base weights, store both answers with their provenance, "
        "and print them (or JSON with the same fields) for scripts over SSH.",
    )
    p.add_argument(
        "--run",
        required=True,
        metavar="RUN[:STEP]",
        help="the fine-tuned side: a run (latest checkpoint or STEP), adapter:PATH, or base",
    )
    p.add_argument(
        "--against",
        default="base",
        metavar="base|RUN:STEP",
        help="the other side (default: base, the adapter disabled)",
    )
    p.add_argument("--prompt", required=True, help="the user turn")
    p.add_argument("--system", default="", help="a system prompt")
    p.add_argument("--model", help="base model folder or hub id (default: the run's base)")
    p.add_argument("--temperature", type=float, default=0.0, help="0 is greedy (default)")
    p.add_argument("--top-p", type=float, default=1.0)
    p.add_argument("--max-tokens", type=int, default=128)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print JSON with full provenance")
    p.set_defaults(func=run_compare)

    prefs = sub.add_parser("prefs", help="preference pairs from blind votes")
    prefs_sub = prefs.add_subparsers(dest="prefs_command", metavar="COMMAND", required=True)
    export = prefs_sub.add_parser(
        "export",
        help="write preference pairs (prompt, chosen, rejected) as JSONL",
        description="Write one JSON line per decided vote: prompt (the conversation), chosen "
        "and rejected (assistant messages), and print the win rates per matchup.",
    )
    export.add_argument("--out", required=True, help="output JSONL file")
    export.set_defaults(func=run_export)


def run_compare(args: argparse.Namespace) -> int:
    from engine.compare import resolve_side, run_comparison
    from engine.inference import GenerationSettings
    from engine.inference.pool import get_engine
    from engine.workspace import Workspace

    ws = Workspace.open(args.workspace)
    fine = resolve_side(ws, args.run, model=args.model)
    other = resolve_side(ws, args.against, model=args.model or fine.base)
    settings = GenerationSettings(
        temperature=args.temperature,
        top_p=args.top_p,
        max_new_tokens=args.max_tokens,
        seed=args.seed,
    )
    conversation = ([{"role": "system", "content": args.system}] if args.system else []) + [
        {"role": "user", "content": args.prompt}
    ]
    engine = get_engine(fine.base)
    result = run_comparison(
        ws, engine, [conversation, conversation], [fine.side, other.side], settings
    )
    if args.json:
        payload = {
            "conversation": conversation,
            "answers": [
                a.as_dict() | {"id": i} for a, i in zip(result.answers, result.ids, strict=True)
            ],
        }
        json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    for answer, answer_id in zip(result.answers, result.ids, strict=True):
        state = "adapter on" if answer.adapter_enabled else "adapter disabled"
        print(
            f"── {answer.label} ({state}; answer {answer_id}; {answer.tokens} tokens, "
            f"{answer.tokens_per_s:.0f} tok/s)"
        )
        print(answer.text)
        print()
    return 0


def run_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from engine.compare import export_preferences
    from engine.workspace import Workspace

    ws = Workspace.open(args.workspace)
    summary = export_preferences(ws, Path(args.out))
    for line in summary.lines():
        print(line)
    print(f"wrote {args.out}")
    return 0

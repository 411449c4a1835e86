"""``quimbot-tui demo [--reset]``: build the demo workspace."""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "demo",
        help="build the demo workspace (synthetic data, a tiny model, sample topics)",
        description="Build the demo workspace: about 2,300 synthetic scaffolding dialogues in "
        "five sources, imported and indexed; a tiny Qwen3-architecture model with its own "
        "tokenizer, pretrained for about half a minute on the CPU; sample topics. Without "
        "--reset an existing demo is left as it is.",
    )
    p.add_argument(
        "--reset",
        action="store_true",
        help="remove the demo's data, model and topics and build them again",
    )
    p.add_argument(
        "--progress",
        choices=("bar", "json"),
        default="bar",
        help="progress as a bar on stderr (default) or JSON lines on stdout",
    )
    p.add_argument(
        "--small",
        action="store_true",
        help="a much smaller demo (a few seconds): for tests and quick tries",
    )
    p.set_defaults(func=run)


def small_options():  # type: ignore[no-untyped-def]
    from engine.demo import DemoOptions
    from engine.tinymodel import TinyModelConfig

    return DemoOptions(
        counts={
            "toefl-synth": 60,
            "pilot-synth": 15,
            "lmsys-esl": 80,
            "magpie-writing": 50,
            "prosocial-support": 25,
        },
        model=TinyModelConfig(
            vocab_size=600,
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=1,
            num_attention_heads=2,
            num_key_value_heads=1,
            head_dim=16,
            seq_len=64,
            batch_size=4,
            steps=8,
        ),
    )


def run(args: argparse.Namespace) -> int:
    from engine.demo import DemoOptions, build_demo
    from engine.workspace import Workspace
    from quimbot_tui.cli.progress import TextProgress, json_progress

    ws = Workspace.open(args.workspace)
    info = ws.demo_info()
    if info is not None and not args.reset:
        message = f"The demo workspace in {ws.root} was built at {info['built_at']}."
        if args.progress == "json":
            print(json.dumps({"event": "done", "already": True, "message": message}))
        else:
            print(message + " Use --reset to build it again.")
        return 0
    options = small_options() if args.small else DemoOptions()
    bar = TextProgress() if args.progress == "bar" else None
    result = build_demo(ws, options, on_progress=bar or json_progress)
    if bar is not None:
        bar.close()
    records = sum(s["accepted"] for s in result["sources"])
    rejected = sum(sum(s["rejected"].values()) for s in result["sources"])
    if args.progress == "json":
        print(
            json.dumps(
                {
                    "event": "done",
                    "records": records,
                    "rejected": rejected,
                    "seconds": result["seconds"],
                }
            )
        )
    else:
        print(f"Demo workspace ready in {ws.root} ({result['seconds']:.0f} s):")
        for s in result["sources"]:
            extra = f", {sum(s['rejected'].values())} rejected" if s["rejected"] else ""
            print(f"  {s['source']:<18} {s['accepted']:>5} records{extra}")
        model = result["model"]
        print(
            f"  model {model['name']}: {model['parameters'] / 1e6:.2f} M parameters, "
            f"loss {model['first_loss']:.2f} -> {model['final_loss']:.2f}"
        )
        print(
            "Open it with: quimbot-tui"
            + (f" --workspace {args.workspace}" if args.workspace else "")
        )
    return 0

"""``quimbot-tui bench ...``: benchmarks that print ratios against a baseline run alongside."""

from __future__ import annotations

import argparse
import importlib

BENCHMARKS = ("startup", "data", "train")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("bench", help="benchmarks (startup, ...)")
    benches = p.add_subparsers(dest="bench", metavar="BENCH", required=True)
    for name in BENCHMARKS:
        importlib.import_module(f"quimbot_tui.benchmarks.{name}").register(benches)

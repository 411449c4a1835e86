"""The ``quimbot-tui`` command line.

``quimbot-tui`` alone opens the app; subcommands live in one module each under
``quimbot_tui.cli`` and register themselves through ``register(subparsers)``. Registering
uses argparse only: every heavy import happens inside the command that needs it.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from quimbot_tui import __version__

COMMAND_MODULES = (
    "demo",
    "bench",
    "gallery",
    "data",
    "mix",
    "train",
    "compare",
    "eval",
    "export",
    "topics",
    "notify",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="quimbot-tui",
        description="A keyboard-driven workbench for staged LoRA fine-tuning of "
        "language-learning assistants. Without a command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"quimbot-tui {__version__}")
    parser.add_argument(
        "--workspace",
        metavar="DIR",
        help="workspace folder (default: $QUIMBOT_HOME, else ~/.local/share/quimbot)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"quimbot_tui.cli.{name}").register(sub)
    return parser


def run_app(workspace: str | None) -> int:
    from engine.workspace import Workspace
    from quimbot_tui.app import QuimbotApp

    QuimbotApp(Workspace.open(workspace)).run()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        return run_app(args.workspace)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (ValueError, FileNotFoundError, RuntimeError) as exc:
        print(f"quimbot-tui: error: {exc}", file=sys.stderr)
        return 1

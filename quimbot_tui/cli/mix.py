"""``quimbot-tui mix ...``: preview and build training mixes from recipes."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("mix", help="training mixes: list, plan and build recipes")
    cmds = p.add_subparsers(dest="mix_command", metavar="COMMAND", required=True)

    ls = cmds.add_parser("list", help="the recipes in configs/mixes")
    ls.set_defaults(func=run_list)

    pl = cmds.add_parser("plan", help="the counts a build would take from each source")
    pl.add_argument("recipe", metavar="RECIPE", help="a recipe file or name (stage1, demo)")
    pl.set_defaults(func=run_plan)

    b = cmds.add_parser(
        "build",
        help="build a mix: JSONL of {'messages'} plus <name>_manifest.json",
        description="Build a mix as the original build_stage1_mix.py did: the anchor's records "
        "fix the total, other sources are shuffled with the seed, oversampled, deduplicated "
        "and truncated to their targets, then everything is shuffled once. Same records and "
        "recipe, same bytes.",
    )
    b.add_argument("recipe", metavar="RECIPE", help="a recipe file or name (stage1, demo)")
    b.add_argument("--out", metavar="DIR", help="output folder (default: <workspace>/mixes)")
    b.add_argument(
        "--exclude-failing",
        action="store_true",
        help="leave out records that fail preflight (with --model: also over-length ones)",
    )
    b.add_argument("--model", help="model (folder or workspace name) for the length check")
    b.add_argument("--max-length", type=int)
    b.add_argument(
        "--redistribute",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="give a short source's records to the others (default: as the recipe says)",
    )
    b.set_defaults(func=run_build)


def _recipe(args: argparse.Namespace) -> Any:
    from engine.mix import load_recipe, resolve_recipe

    return load_recipe(resolve_recipe(args.recipe))


def _available(ws: Any, recipe: Any) -> dict[str, int]:
    from store import records as store_records

    with ws.db.connect() as con:
        counts = store_records.source_counts(con)
    return {s.name: sum(counts.get(f, 0) for f in s.from_) for s in recipe.sources}


def print_plan(recipe: Any, rows: Any) -> None:
    total = sum(r.planned for r in rows)
    print(f"{'source':<12}{'ratio':>7}{'available':>11}{'target':>9}{'planned':>9}{'share':>8}")
    for r in rows:
        short = f"  short {r.shortfall:,}" if r.shortfall else ""
        print(
            f"{r.source:<12}{r.ratio:>7.2f}{r.available:>11,}{r.target:>9,}{r.planned:>9,}"
            f"{r.planned / (total or 1):>8.1%}{short}"
        )
    print(f"{'total':<12}{'':>7}{'':>11}{sum(r.target for r in rows):>9,}{total:>9,}")


def run_list(args: argparse.Namespace) -> int:
    from engine.mix import list_recipes, load_recipe

    for path in list_recipes():
        try:
            recipe = load_recipe(path)
            print(f"{path.stem:<12} {recipe.name:<18} {recipe.description}")
        except ValueError as exc:
            print(f"{path.stem:<12} (cannot be loaded: {exc})")
    return 0


def run_plan(args: argparse.Namespace) -> int:
    from engine.mix import plan
    from engine.workspace import Workspace

    ws = Workspace.open(args.workspace)
    recipe = _recipe(args)
    print_plan(recipe, plan(recipe, _available(ws, recipe)))
    return 0


def run_build(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from engine.data_check import model_max_length, resolve_model
    from engine.mix import build_mix
    from engine.mix_build import MixPreflight
    from engine.workspace import Workspace
    from quimbot_tui.cli.progress import TextProgress

    ws = Workspace.open(args.workspace)
    recipe = _recipe(args)
    if args.redistribute is not None:
        recipe.redistribute_shortfall = args.redistribute
    check = None
    if args.exclude_failing:
        check = MixPreflight(max_length=args.max_length)
        if args.model:
            model = resolve_model(ws, args.model)
            check.tokenizer = model
            check.max_length = args.max_length or model_max_length(model)
    elif args.model or args.max_length:
        raise ValueError("--model and --max-length go with --exclude-failing")
    bar = TextProgress() if sys.stderr.isatty() else None
    result = build_mix(
        ws,
        recipe,
        Path(args.out) if args.out else None,
        preflight=check,
        on_progress=bar,
    )
    if bar is not None:
        bar.close()
    print_plan(recipe, result.plan)
    if result.excluded:
        print(f"left out {result.excluded:,} records that failed preflight")
    print(f"wrote {result.manifest['total']:,} records to {result.output}")
    print(f"manifest: {result.manifest_path}")
    return 0

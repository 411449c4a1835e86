"""``quimbot-tui eval``: run a suite against models; write JSON, Markdown and comparison."""

from __future__ import annotations

import argparse
import sys
from typing import Any

SPECS = (
    "base (the local base, adapter disabled), run:RUN[:STEP], adapter:PATH, "
    "ollama:NAME[@URL], openai:URL#MODEL"
)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "eval",
        help="evaluate models on a suite with pedagogical metrics; write reports",
        description="Put every test of a suite to every model, in parallel and through the "
        "workspace's cache, compute metrics on the answers (and optionally a judge's MRBench "
        "ratings), and write reports. Model specs: " + SPECS + ". Without --output, --report "
        "or --comparison the JSON and Markdown reports go to the workspace's evals/ folder.",
    )
    p.add_argument("--models", nargs="+", metavar="SPEC", help="the models to evaluate")
    p.add_argument(
        "--suite", default="pedagogical", help="a built-in suite name or a .toml/.yaml file"
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument("--metrics", nargs="+", metavar="NAME", help="compute only these")
    which.add_argument("--all-metrics", action="store_true", help="compute every metric")
    p.add_argument("--workers", type=int, default=4, help="parallel HTTP requests (default 4)")
    p.add_argument("--no-cache", action="store_true", help="ask every backend again")
    p.add_argument("--clear-cache", action="store_true", help="empty the eval cache first")
    p.add_argument("--output", metavar="F.json", help="write the JSON report here")
    p.add_argument("--report", metavar="F.md", help="write the Markdown report here")
    p.add_argument("--comparison", metavar="F.txt", help="write the plain comparison here")
    p.add_argument("--judge", metavar="SPEC", help="a model that rates every answer (MRBench)")
    p.add_argument("--rubric", metavar="FILE", help="the judge's rubric (default: mrbench)")
    p.add_argument("--model", help="the base model for local specs (default: the adapter's)")
    p.add_argument("--temperature", type=float, default=0.0, help="0 is greedy (default)")
    p.add_argument("--top-p", type=float, default=1.0)
    p.add_argument("--max-tokens", type=int, default=256)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--timeout", type=float, default=120.0, help="seconds per answer")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--list-suites", action="store_true", help="list the suites and exit")
    p.add_argument("--list-metrics", action="store_true", help="list the metrics and exit")
    p.add_argument("--export-template", metavar="PATH", help="write a suite template and exit")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.list_suites:
        return _list_suites()
    if args.list_metrics:
        return _list_metrics()
    if args.export_template:
        from pathlib import Path

        from engine.suites import export_template

        print(f"wrote {export_template(Path(args.export_template))}")
        return 0
    from engine.workspace import Workspace

    ws = Workspace.open(args.workspace)
    if args.clear_cache:
        from engine.eval.cache import ReplyCache

        print(f"cleared {ReplyCache(ws).clear()} cached answers")
        if not args.models:
            return 0
    if not args.models:
        raise ValueError("name the models to evaluate with --models SPEC...")
    return _evaluate(ws, args)


def _list_suites() -> int:
    from engine.suites import builtin_suites, load_suite_file

    for name, path in builtin_suites().items():
        suite = load_suite_file(path)
        print(f"{name}: {suite.description} ({len(suite.tests)} tests)")
        if suite.key_metrics:
            keys = ", ".join(f"{k} {v}" for k, v in suite.key_metrics.items())
            print(f"  key metrics: {keys}")
        for test in suite.tests:
            print(f"  - {test.name} [{', '.join(test.tags)}]")
    return 0


def _list_metrics() -> int:
    from engine.eval.metrics import DEFAULT, METRICS

    for m in METRICS.values():
        flags = " (default)" if m.name in DEFAULT else ""
        better = f", {m.better} is better" if m.better else ""
        print(f"{m.name} [{m.group}{better}]{flags}\n    {m.description}")
    return 0


def _evaluate(ws: Any, args: argparse.Namespace) -> int:
    from pathlib import Path

    from engine.eval import reports
    from engine.eval.judge import load_rubric
    from engine.eval.metrics import DEFAULT
    from engine.eval.runner import EvalOptions, run_eval
    from engine.inference import GenerationSettings
    from engine.suites import load_suite
    from quimbot_tui.cli.progress import TextProgress

    suite = load_suite(args.suite)
    if args.all_metrics:
        metrics = None
    else:
        wanted = args.metrics or list(DEFAULT)
        metrics = wanted + [k for k in suite.key_metrics if k not in wanted]
    options = EvalOptions(
        settings=GenerationSettings(
            temperature=args.temperature,
            top_p=args.top_p,
            max_new_tokens=args.max_tokens,
            seed=args.seed,
        ),
        metrics=metrics,
        workers=args.workers,
        use_cache=not args.no_cache,
        timeout=args.timeout,
        judge=args.judge,
        rubric=Path(args.rubric) if args.rubric else None,
        model=args.model,
    )
    rubric = load_rubric(options.rubric) if args.judge else None
    bar = None if args.quiet else TextProgress()
    try:
        run = run_eval(ws, args.models, suite, options, on_progress=bar)
    finally:
        if bar is not None:
            bar.close()
    human = _ratings(ws, run) if rubric else {}
    outputs = {
        "output": (args.output, lambda: reports.to_json(run, rubric)),
        "report": (args.report, lambda: reports.to_markdown(run, rubric, human)),
        "comparison": (args.comparison, lambda: reports.to_comparison(run)),
    }
    if not any(path for path, _ in outputs.values()):
        folder = ws.root / "evals"
        stem = f"{run.suite}-{run.id or 0:04d}"
        outputs["output"] = (str(folder / f"{stem}.json"), outputs["output"][1])
        outputs["report"] = (str(folder / f"{stem}.md"), outputs["report"][1])
    _print_summary(run, rubric)
    for path, render in outputs.values():
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text(render(), encoding="utf-8")
            print(f"wrote {path}")
    return 1 if run.results and not any(r.ok for r in run.results) else 0


def _ratings(ws: Any, run: Any) -> dict[str, dict[str, str]]:
    from store import evals as store_evals

    with ws.db.connect() as con:
        return store_evals.ratings(con, [r.key for r in run.results])


def _print_summary(run: Any, rubric: Any) -> None:
    from engine.eval.reports import delta, fmt, summaries

    sums = summaries(run, rubric)
    base = run.base_model
    cached = sum(r.cached for r in run.results)
    print(
        f"{run.suite}: {len(run.results)} answers, {len(run.failed)} failed, "
        f"{cached} from the cache (run {run.id})"
    )
    keys = list(run.key_metrics) or run.metrics[:4]
    width = max(len(run.labels[m]) for m in run.models)
    for m in run.models:
        s = sums[m]
        parts = [
            f"{run.labels[m]:<{width}}",
            f"ok {s.ok}/{s.results}",
            f"latency {fmt(s.seconds)} s",
            f"{fmt(s.tokens_per_s, 1)} tok/s",
        ]
        for k in keys:
            value = s.metrics.get(k)
            text = f"{k} {fmt(value)}"
            if base and m != base:
                text += f" ({delta(value, sums[base].metrics.get(k))})"
            parts.append(text)
        print("  " + "  ".join(parts))
    if run.judge:
        judged = sum(1 for r in run.results if r.judge)
        unjudged = [r for r in run.results if r.judge_error]
        print(f"  judge {run.judge}: {judged} answers judged, {len(unjudged)} could not be")
        for r in unjudged[:3]:
            print(f"    {run.labels[r.model]}/{r.test}: {r.judge_error}", file=sys.stderr)
    for r in run.failed:
        print(f"  error: {run.labels[r.model]}/{r.test}: {r.error}", file=sys.stderr)

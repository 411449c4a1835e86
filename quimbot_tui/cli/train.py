"""``quimbot-tui train ...``: start, list, attach to, stop, kill and resume training runs.

Runs are detached processes: ``start`` and ``resume`` print the run id and return, and the run
goes on after this command, the app or the SSH session ends. ``attach`` replays a run's whole
history from its events file and follows it live; Ctrl-C detaches and leaves it running.
"""

from __future__ import annotations

import argparse
import json
import sys
import time


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "train",
        help="LoRA training runs: start, list, attach, stop, resume",
        description="LoRA training runs as detached processes that outlive this command.",
    )
    cmds = p.add_subparsers(dest="train_command", metavar="ACTION", required=True)

    start = cmds.add_parser(
        "start",
        help="start a run from a config and print its id",
        description="Create a run from CONFIG (a path, or a name in configs/train/ such as "
        "'demo') and start it detached; prints the run id and returns.",
    )
    start.add_argument("config", metavar="CONFIG")
    _launch_options(start)
    start.set_defaults(func=run_start)

    ls = cmds.add_parser("list", help="runs with status, step, ETA and best eval loss")
    ls.add_argument("--json", action="store_true", help="one JSON object per run")
    ls.set_defaults(func=run_list)

    attach = cmds.add_parser(
        "attach",
        help="replay a run's events, then follow it live (Ctrl-C detaches)",
        description="Print every event of RUN (an id, a unique prefix, or 'last'), then new "
        "ones as they come, until the run ends. Ctrl-C detaches; the run goes on.",
    )
    attach.add_argument("run", metavar="RUN")
    attach.add_argument("--json", action="store_true", help="raw JSON events")
    attach.add_argument("--no-follow", action="store_true", help="replay only, do not wait")
    attach.set_defaults(func=run_attach)

    stop = cmds.add_parser(
        "stop",
        help="save a checkpoint and stop (--kill: stop at once)",
        description="Ask RUN to save a checkpoint and exit; it can be resumed. With --kill the "
        "run's processes are killed at once (SIGKILL) and the run is marked failed.",
    )
    stop.add_argument("run", metavar="RUN")
    stop.add_argument("--kill", action="store_true", help="kill now, without a checkpoint")
    stop.add_argument("--wait", action="store_true", help="wait until the run has stopped")
    stop.set_defaults(func=run_stop)

    resume = cmds.add_parser(
        "resume",
        help="continue a stopped or failed run from its latest checkpoint",
        description="Start RUN again from its latest checkpoint; step numbers continue. "
        "--set changes the saved config first (e.g. --set max_steps=200 to train longer).",
    )
    resume.add_argument("run", metavar="RUN")
    _launch_options(resume)
    resume.set_defaults(func=run_resume)

    ckpts = cmds.add_parser("checkpoints", help="a run's checkpoints and final adapter")
    ckpts.add_argument("run", metavar="RUN")
    ckpts.set_defaults(func=run_checkpoints)

    fields = cmds.add_parser("fields", help="every config field with its default and help")
    fields.set_defaults(func=run_fields)


def _launch_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config field (repeatable; the value is read as TOML)",
    )
    p.add_argument(
        "--launcher",
        choices=("accelerate", "python"),
        default="accelerate",
        help="accelerate launch (default) or plain python -m (one process, faster start)",
    )
    p.add_argument("--attach", action="store_true", help="follow the run after starting it")


def _workspace(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from engine.workspace import Workspace

    return Workspace.open(args.workspace)


def run_start(args: argparse.Namespace) -> int:
    from engine.training.launch import start_run

    ws = _workspace(args)
    launched = start_run(ws, args.config, args.overrides, launcher=args.launcher)
    print(launched.run_id, flush=True)
    print(f"  folder   {launched.layout.root}", file=sys.stderr)
    print(f"  command  {launched.command_line}", file=sys.stderr)
    print(f"  follow   quimbot-tui train attach {launched.run_id}", file=sys.stderr)
    if args.attach:
        return _follow(ws, launched.run_id, as_json=False, follow=True)
    return 0


def run_resume(args: argparse.Namespace) -> int:
    from engine.runs import match_run
    from engine.training.launch import resume_run

    ws = _workspace(args)
    run_id = match_run(ws, args.run)
    launched = resume_run(ws, run_id, args.overrides, launcher=args.launcher)
    print(run_id)
    print(f"  command  {launched.command_line}", file=sys.stderr)
    if args.attach:
        return _follow(ws, run_id, as_json=False, follow=True)
    return 0


def _eta(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def run_list(args: argparse.Namespace) -> int:
    from engine.runs import list_runs

    runs = list_runs(_workspace(args))
    if args.json:
        for r in runs:
            row = {k: v for k, v in vars(r).items() if k not in ("path", "newly_failed")}
            print(json.dumps(row | {"path": str(r.path)}))
        return 0
    if not runs:
        print("no runs yet: quimbot-tui train start demo")
        return 0
    print(
        f"{'run':<34} {'status':<9} {'step':>11} {'eta':>8} {'loss':>8} {'best eval':>9}  started"
    )
    for r in runs:
        started = time.strftime("%Y-%m-%d %H:%M", time.localtime(r.started)) if r.started else ""
        loss = f"{r.loss:.4f}" if r.loss is not None else ""
        best = f"{r.best_eval_loss:.4f}" if r.best_eval_loss is not None else ""
        step = f"{r.step}/{r.total}"
        print(
            f"{r.id:<34} {r.status:<9} {step:>11} {_eta(r.eta_s):>8} {loss:>8} {best:>9}  {started}"
        )
        if r.status == "failed" and r.reason:
            print(f"    {r.reason[:150]}")
    return 0


def run_attach(args: argparse.Namespace) -> int:
    from engine.runs import match_run

    ws = _workspace(args)
    return _follow(ws, match_run(ws, args.run), as_json=args.json, follow=not args.no_follow)


def _follow(ws, run_id: str, *, as_json: bool, follow: bool) -> int:  # type: ignore[no-untyped-def]
    from engine.runs import run_layout, run_summary
    from engine.training.events import describe
    from engine.training.events import follow as follow_events

    layout = run_layout(ws, run_id)
    summary = run_summary(ws, run_id)
    last: dict = {}

    def ended() -> bool:
        nonlocal summary
        if not follow:
            return True
        summary = run_summary(ws, run_id)
        return summary.ended

    print(f"run {run_id}: {summary.status} (events {layout.events})", file=sys.stderr)
    try:
        for batch in follow_events(layout.events, should_stop=ended, poll=0.1):
            for event in batch:
                print(json.dumps(event) if as_json else describe(event), flush=True)
                last = event
    except KeyboardInterrupt:
        print(
            f"\ndetached; the run goes on. Again: quimbot-tui train attach {run_id}",
            file=sys.stderr,
        )
        return 0
    if follow:
        print(f"run {run_id}: {summary.status}", file=sys.stderr)
    return 1 if last.get("event") == "failed" and follow else 0


def run_stop(args: argparse.Namespace) -> int:
    from engine.runs import match_run, run_summary
    from engine.training.launch import kill_run, stop_run

    ws = _workspace(args)
    run_id = match_run(ws, args.run)
    if args.kill:
        kill_run(ws, run_id)
        print(f"{run_id}: killed")
        return 0
    stop_run(ws, run_id)
    print(f"{run_id}: stop requested; it saves a checkpoint and exits after the current step")
    if args.wait:
        while not (summary := run_summary(ws, run_id)).ended:
            time.sleep(0.2)
        print(f"{run_id}: {summary.status} at step {summary.step}")
    return 0


def run_checkpoints(args: argparse.Namespace) -> int:
    from engine.runs import list_checkpoints, match_run

    ws = _workspace(args)
    run_id = match_run(ws, args.run)
    found = list_checkpoints(ws, run_id)
    if not found:
        print(f"{run_id}: no checkpoint yet")
    for c in found:
        print(f"{c.label:<12} step {c.step:>7}  {c.adapter}")
    return 0


def run_fields(args: argparse.Namespace) -> int:
    from engine.training.config import field_help

    for name, default, help_text in field_help():
        print(f"{name:<24} {default:<24} {help_text}")
    return 0

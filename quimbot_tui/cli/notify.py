"""``quimbot-tui notify``: configure and test the workspace's webhooks."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.workspace import Workspace


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "notify",
        help="webhooks for run, eval and approval events",
        description="Discord or generic JSON webhooks, kept in the workspace "
        "settings. Addresses are secrets: they are only ever shown masked.",
    )
    cmds = p.add_subparsers(dest="notify_command", metavar="COMMAND", required=True)
    add = cmds.add_parser("add", help="add a webhook")
    add.add_argument("url")
    add.add_argument(
        "--kind",
        choices=("discord", "json"),
        default=None,
        help="body format (default: discord for discord.com addresses, else json)",
    )
    add.add_argument(
        "--events",
        nargs="+",
        metavar="EVENT",
        help="only these events (run.started run.finished run.failed "
        "eval.finished approvals.session)",
    )
    add.set_defaults(func=run_add)
    cmds.add_parser("list", help="list the webhooks (masked)").set_defaults(func=run_list)
    remove = cmds.add_parser("remove", help="remove a webhook by its number in `list`")
    remove.add_argument("number", type=int)
    remove.set_defaults(func=run_remove)
    cmds.add_parser("test", help="post a test event to every webhook").set_defaults(func=run_test)


def _hooks(args: argparse.Namespace) -> tuple[Workspace, list[dict[str, Any]]]:
    from engine.workspace import Workspace

    ws = Workspace.open(args.workspace)
    return ws, list(ws.settings().get("webhooks", []))


def run_add(args: argparse.Namespace) -> int:
    from engine.notify import EVENTS, mask

    ws, hooks = _hooks(args)
    unknown = sorted(set(args.events or []) - set(EVENTS))
    if unknown:
        raise ValueError(f"unknown event {', '.join(unknown)}; known: {', '.join(EVENTS)}")
    kind = args.kind or ("discord" if "discord.com" in args.url else "json")
    entry: dict[str, Any] = {"url": args.url, "kind": kind}
    if args.events:
        entry["events"] = args.events
    hooks.append(entry)
    ws.update_settings(webhooks=hooks)
    print(f"added webhook {len(hooks)}: {mask(args.url)} ({kind})")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from engine.notify import mask

    _, hooks = _hooks(args)
    if not hooks:
        print("no webhooks: add one with `quimbot-tui notify add URL`")
    for number, hook in enumerate(hooks, start=1):
        events = ", ".join(hook.get("events", [])) or "all events"
        print(f"{number}. {mask(str(hook['url']))} ({hook.get('kind', 'json')}; {events})")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    from engine.notify import mask

    ws, hooks = _hooks(args)
    if not 1 <= args.number <= len(hooks):
        raise ValueError(f"no webhook {args.number}; there are {len(hooks)}")
    removed = hooks.pop(args.number - 1)
    ws.update_settings(webhooks=hooks)
    print(f"removed {mask(str(removed['url']))}")
    return 0


def run_test(args: argparse.Namespace) -> int:
    from engine.notify import notify

    ws, hooks = _hooks(args)
    if not hooks:
        print("no webhooks configured")
        return 1
    deliveries = notify(
        ws.root,
        "test",
        "quimbot-tui test notification",
        {"workspace": ws.root.name},
        wait=True,
    )
    for d in deliveries:
        state = f"ok (HTTP {d.status})" if d.ok else f"failed: {d.error}"
        print(f"{d.webhook}: {state} after {d.attempts} attempt(s)")
    return 0 if all(d.ok for d in deliveries) else 1

"""``quimbot-tui topics``: the microlearning pipeline from the command line.

topics scrape                     read Reddit (praw) with configs/microlearning.toml
topics import FILE...             flat scraper records, candidate batches, topic records
topics score [--version NAME]     score the queue with a scoring version
topics shortlist                  write the best topics as a shortlist_record
topics queue                      the topics waiting for a decision
topics packets                    draft content packets for approved topics
topics publish                    write drafts as JSON + Markdown under packets/
topics approvals --export FILE    the approval records
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.microlearning.config import MicrolearningConfig
    from engine.workspace import Workspace

MAX_ERRORS_SHOWN = 50


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "topics",
        help="the microlearning pipeline: scrape, import, score, approve, packets, publish",
        description="Reddit topics -> scores -> human approval (the Topics screen) -> "
        "content packets -> publish. Settings: configs/microlearning.toml, or "
        "<workspace>/microlearning.toml, or --config FILE.",
    )
    cmds = p.add_subparsers(dest="topics_command", metavar="COMMAND", required=True)

    def add(name: str, help_text: str, func: Any) -> argparse.ArgumentParser:
        cmd = cmds.add_parser(name, help=help_text, description=help_text)
        cmd.add_argument("--config", metavar="FILE", help="microlearning settings (TOML)")
        cmd.set_defaults(func=func)
        return cmd

    scrape = add("scrape", "read the configured subreddits with praw", run_scrape)
    scrape.add_argument("--subreddit", action="append", metavar="NAME", help="only these")
    scrape.add_argument("--sort", action="append", metavar="SORT", help="only these listings")
    scrape.add_argument("--limit", type=int, metavar="N", help="posts per listing")
    imp = add("import", "import topic files (JSONL or JSON; formats detected)", run_import)
    imp.add_argument("files", nargs="+", type=Path, metavar="FILE")
    imp.add_argument("--no-score", action="store_true", help="do not score the queue after")
    score = add("score", "score the queue with a scoring version", run_score)
    score.add_argument("--version", metavar="NAME", help="a version in [scoring.versions]")
    score.add_argument("--list", action="store_true", help="list the versions and stop")
    score.add_argument("--top", type=int, default=10, metavar="N", help="topics to show")
    short = add("shortlist", "write the best topics as a shortlist_record", run_shortlist)
    short.add_argument("--version", metavar="NAME")
    short.add_argument("--top", type=int, metavar="N", help="topics (default: the version's)")
    short.add_argument("--out", type=Path, metavar="FILE", help="default: packets/shortlists/")
    queue = add("queue", "list the topics waiting for a decision", run_queue)
    queue.add_argument("--status", default="proposed", help="proposed, approved, rejected, ...")
    queue.add_argument("--top", type=int, default=20, metavar="N")
    packets = add("packets", "draft content packets for approved topics", run_packets)
    how = packets.add_mutually_exclusive_group()
    how.add_argument(
        "--model",
        action="store_const",
        const="model",
        dest="generator",
        help="write scripts with the endpoint in [packets.model]",
    )
    how.add_argument(
        "--template",
        action="store_const",
        const="template",
        dest="generator",
        help="write scripts from [packets.template] (offline)",
    )
    packets.add_argument("--redo", action="store_true", help="draft existing drafts again")
    publish = add("publish", "publish draft packets as JSON and Markdown", run_publish)
    publish.add_argument("packet_ids", nargs="*", metavar="PACKET_ID", help="default: all")
    approvals = add("approvals", "list or export the approval records", run_approvals)
    approvals.add_argument("--export", type=Path, metavar="FILE", help=".jsonl or .json")
    approvals.add_argument(
        "--all", action="store_true", help="include decisions that were undone or edited"
    )


def _setup(args: argparse.Namespace) -> tuple[Workspace, MicrolearningConfig]:
    from engine.microlearning.config import load_config
    from engine.workspace import Workspace

    ws = Workspace.open(args.workspace)
    return ws, load_config(ws.root, args.config)


def _rescore(ws: Workspace, config: MicrolearningConfig) -> None:
    from engine.microlearning.scoring import rescore

    report = rescore(ws.db, config)
    print(report.summary())


def run_scrape(args: argparse.Namespace) -> int:
    from engine.microlearning.scrape import scrape

    ws, config = _setup(args)
    if args.subreddit:
        config.scrape.subreddits = args.subreddit
    if args.sort:
        config.scrape.sorts = args.sort
    if args.limit:
        config.scrape.limit = args.limit

    def progress(done: int, total: int, message: str) -> None:
        print(f"[{done}/{total}] {message}", flush=True)

    def wait(seconds: float) -> None:
        import time

        print(f"  waiting {seconds:.1f} s before retrying", flush=True)
        time.sleep(seconds)

    report = scrape(ws.db, config, on_progress=progress, sleep=wait)
    for listing in report.listings:
        for event in listing.events:
            print(f"  r/{listing.subreddit} {listing.sort}: {event}")
    print("\n".join(report.lines()))
    if report.stored.observations:
        _rescore(ws, config)
    if report.fatal:
        return 1
    return 0 if report.complete else 2


def run_import(args: argparse.Namespace) -> int:
    from engine import activity
    from engine.microlearning.importer import import_files

    ws, config = _setup(args)
    report = import_files(ws.db, args.files)
    for error in report.errors[:MAX_ERRORS_SHOWN]:
        print(f"rejected: {error}")
    if len(report.errors) > MAX_ERRORS_SHOWN:
        print(f"... and {len(report.errors) - MAX_ERRORS_SHOWN} more rejected")
    print(report.summary())
    activity.log(ws.db, "topics.import", ", ".join(report.files), **report.as_dict())
    if report.stored.observations and not args.no_score:
        _rescore(ws, config)
    return 2 if report.errors else 0


def _line(rank: int, topic: dict[str, Any]) -> str:
    flags = " ".join(f"⚠ {f}" for f in topic["record"].get("risk_flags") or [])
    score = "–" if topic["score"] is None else f"{topic['score']:g}"
    title = " ".join(topic["title"].split())[:65]
    return f"{rank:3}. [{score}] r/{topic['subreddit']}: {title} {flags}".rstrip()


def run_score(args: argparse.Namespace) -> int:
    from engine.microlearning.scoring import rescore
    from store import topics as store_topics

    ws, config = _setup(args)
    if args.list:
        for name, version in sorted(config.scoring.versions.items()):
            mark = " (default)" if name == config.scoring.default else ""
            print(f"{name}{mark}: {version.formula} · {version.description}")
        return 0
    report = rescore(ws.db, config, args.version)
    print(report.summary())
    with ws.db.connect() as con:
        topics = store_topics.queue(con, limit=args.top)
    for rank, topic in enumerate(topics, start=1):
        print(_line(rank, topic))
    from engine import activity

    activity.log(ws.db, "topics.score", report.version, topics=len(report.scored))
    return 0


def run_queue(args: argparse.Namespace) -> int:
    from store import topics as store_topics

    ws, _ = _setup(args)
    with ws.db.connect() as con:
        topics = store_topics.queue(con, status=args.status, limit=args.top)
        counts = store_topics.counts_by_status(con)
    print(", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no topics")
    for rank, topic in enumerate(topics, start=1):
        print(_line(rank, topic))
    return 0


def run_shortlist(args: argparse.Namespace) -> int:
    from engine.microlearning.shortlist import make_shortlist

    ws, config = _setup(args)
    record, path = make_shortlist(
        ws.db, config, ws.packets_dir, version=args.version, top=args.top, out=args.out
    )
    for rank, item in enumerate(record["topics"], start=1):
        flags = " ".join(f"⚠ {f}" for f in item.get("risk_flags") or [])
        print(f"{rank:3}. [{item['score']:g}] {item['hook']} {flags}".rstrip())
    print(f"shortlist of {len(record['topics'])} ({record['scoring_version']}): {path}")
    return 0


def run_packets(args: argparse.Namespace) -> int:
    from engine.microlearning.packets import make_packets

    ws, config = _setup(args)
    report = make_packets(ws.db, config, generator=args.generator, redo=args.redo)
    for topic_id, packet_id in report.made:
        print(f"drafted {packet_id} for {topic_id}")
    for topic_id, reason in report.errors:
        print(f"failed {topic_id}: {reason}")
    print(report.summary())
    if not report.made and not report.errors:
        print("no approved topics without a packet: approve some on the Topics screen")
    return 2 if report.errors else 0


def run_publish(args: argparse.Namespace) -> int:
    from engine.microlearning.publish import publish

    ws, _ = _setup(args)
    report = publish(ws.db, ws.packets_dir, packet_ids=args.packet_ids or None)
    for packet_id, json_path, md_path in report.published:
        print(f"published {packet_id}: {json_path} and {md_path.name}")
    print(report.summary())
    return 0


def run_approvals(args: argparse.Namespace) -> int:
    from engine.microlearning.approvals import export, recent

    ws, _ = _setup(args)
    if args.export:
        count = export(ws.db, args.export, include_revoked=args.all)
        print(f"wrote {count} approval record(s) to {args.export}")
        return 0
    for row in recent(ws.db, limit=20):
        mark = "accepted" if row["approved"] else "rejected"
        title = " ".join((row["title"] or row["topic_id"]).split())[:60]
        notes = f" · {row['notes']}" if row["notes"] else ""
        print(f"{row['approved_at']}  {mark:8}  {title}{notes}  ({row['approved_by']})")
    return 0

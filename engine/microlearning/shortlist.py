"""Shortlists: the best proposed topics of a scoring version, as a ``shortlist_record``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from engine import activity
from engine.microlearning import write_lock
from engine.microlearning.config import MicrolearningConfig
from engine.microlearning.packets import template_fields
from engine.microlearning.schemas import validate
from engine.microlearning.scoring import rescore
from store import topics as store_topics
from store.db import Database, transaction


def rationale(topic: dict[str, Any], version: str) -> str:
    c = topic.get("components") or {}
    m = topic["record"]["metrics"]
    parts = [f"{version}: {topic['score']}", f"r/{topic['subreddit']}"]
    parts.append(f"{m['upvotes']:,} upvotes, {m['num_comments']:,} comments")
    if "velocity_value" in c:
        parts.append(f"velocity {c['velocity_value']:,} ({c.get('velocity_source')})")
    if c.get("w_subreddit", 1.0) != 1.0:
        parts.append(f"subreddit weight {c['w_subreddit']}")
    if c.get("novelty", 1.0) != 1.0:
        parts.append("seen recently")
    return "; ".join(parts)


def build(
    config: MicrolearningConfig,
    topics: list[dict[str, Any]],
    version: str,
    now: dt.datetime,
) -> dict[str, Any]:
    template = config.packets.template
    items = []
    for topic in topics:
        values = template_fields(topic["record"])
        values["hook"] = template.hook.format_map(values)
        what = template.what_you_learn.format_map(values)
        items.append(
            {
                "topic_id": topic["topic_id"],
                "score": topic["score"],
                "hook": values["hook"],
                "what_you_learn": what if what.endswith((".", "!", "?")) else what + ".",
                "rationale": rationale(topic, version),
                "risk_flags": list(topic["record"].get("risk_flags") or []),
                "source_refs": [topic["record"]["url"]],
            }
        )
    record = {
        "date": now.astimezone().strftime("%Y-%m-%d"),
        "generated_at": now.astimezone(dt.UTC)
        .replace(microsecond=0)
        .isoformat()
        .replace("+00:00", "Z"),
        "scoring_version": version,
        "topics": items,
    }
    validate("shortlist_record", record)
    return record


def make_shortlist(
    db: Database,
    config: MicrolearningConfig,
    packets_dir: Path,
    *,
    version: str | None = None,
    top: int | None = None,
    out: Path | None = None,
    now: dt.datetime | None = None,
) -> tuple[dict[str, Any], Path]:
    """Score the queue with a version, keep its top N, write the shortlist file."""
    report = rescore(db, config, version, now=now.replace(tzinfo=None) if now else None)
    name, chosen = config.version(report.version)
    moment = now or dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    with db.connect() as con:
        topics = store_topics.queue(con, limit=top or chosen.top_n)
    record = build(config, topics, name, moment)
    path = out or packets_dir / "shortlists" / f"shortlist-{moment:%Y%m%d-%H%M%S}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    with write_lock, db.connect() as con, transaction(con):
        store_topics.add_shortlist(
            con, moment.astimezone(dt.UTC).replace(tzinfo=None), name, str(path), record
        )
    activity.log(db, "topics.shortlist", str(path), version=name, topics=len(topics))
    return record, path

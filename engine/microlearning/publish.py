"""Publishing draft packets: JSON plus a readable Markdown script in the workspace.

Each packet goes to ``packets/<date>/<packet id>-<slug>.json`` (the content_packet, valid
against its schema) and a ``.md`` beside it with the script as a reader or a voice artist
needs it: hook, beats with time codes, voice-over, on-screen text, visuals, caption,
hashtags and disclaimers. Then the packet and its topic are marked published.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine import activity
from engine.microlearning import write_lock
from engine.microlearning.schemas import validate
from engine.microlearning.signals import clean_title
from store import packets as store_packets
from store import topics as store_topics
from store.db import Database, transaction


def slug(text: str, limit: int = 48) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", clean_title(text).lower()).strip("-")
    return words[:limit].rstrip("-") or "topic"


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def markdown(row: dict[str, Any]) -> str:
    """The packet's script as Markdown."""
    packet = row["packet"]
    fmt = packet["format"]
    flags = packet.get("safety", {}).get("risk_flags") or []
    lines = [
        f"# {' '.join((row.get('title') or packet['topic_id']).split())}",
        "",
        f"- Topic: `{packet['topic_id']}` · r/{row.get('subreddit') or '?'}"
        + (f" · [source]({row['url']})" if row.get("url") else ""),
        f"- Format: {fmt['duration_seconds']} s · {fmt['aspect_ratio']}"
        + (f" · {fmt['platform']}" if fmt.get("platform") else ""),
        f"- Generated: {packet['generated_at']} ({row.get('generator') or 'template'})",
        f"- Packet: `{row['packet_id']}`",
    ]
    if flags:
        lines.append(f"- **Risk flags: {', '.join(flags)}**")
    if packet.get("hook"):
        lines += ["", "## Hook", "", f"> {packet['hook']}"]
    lines += ["", "## Script"]
    beats = packet["script"]
    span = fmt["duration_seconds"] / max(len(beats), 1)
    for index, beat in enumerate(beats):
        start, end = _clock(index * span), _clock((index + 1) * span)
        lines += ["", f"### Beat {beat['beat']} · {start}–{end}", ""]
        lines.append(f"**Voice-over:** {beat['voiceover']}")
        if beat.get("on_screen_text"):
            lines += ["", f"**On screen:** {beat['on_screen_text']}"]
        if beat.get("visual_notes"):
            lines += ["", f"**Visuals:** {beat['visual_notes']}"]
    lines += ["", "## Caption", "", packet["caption"], "", " ".join(packet["hashtags"])]
    if packet.get("disclaimers"):
        lines += ["", "## Disclaimers", ""] + [f"- {d}" for d in packet["disclaimers"]]
    if packet.get("safety", {}).get("notes"):
        lines += ["", "## Safety notes", "", packet["safety"]["notes"]]
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


@dataclass
class PublishReport:
    published: list[tuple[str, Path, Path]] = field(default_factory=list)
    """(packet_id, json path, markdown path)."""

    def summary(self) -> str:
        return f"{len(self.published)} packet(s) published"


def publish(
    db: Database,
    packets_dir: Path,
    *,
    packet_ids: Sequence[str] | None = None,
    now: dt.datetime | None = None,
) -> PublishReport:
    """Publish every draft packet (or the ones named)."""
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with db.connect() as con:
        drafts = store_packets.listing(con, "draft")
    if packet_ids is not None:
        drafts = [d for d in drafts if d["packet_id"] in set(packet_ids)]
    report = PublishReport()
    for row in drafts:
        validate("content_packet", row["packet"])
        folder = packets_dir / now.strftime("%Y-%m-%d")
        stem = f"{row['packet_id']}-{slug(row.get('title') or '')}"
        json_path, md_path = folder / f"{stem}.json", folder / f"{stem}.md"
        _write(json_path, json.dumps(row["packet"], ensure_ascii=False, indent=2) + "\n")
        _write(md_path, markdown(row))
        with write_lock, db.connect() as con, transaction(con):
            store_packets.mark_published(con, row["packet_id"], str(json_path), str(md_path))
            store_topics.set_status(con, row["topic_id"], "published")
        report.published.append((row["packet_id"], json_path, md_path))
    if report.published:
        activity.log(
            db,
            "topics.publish",
            str(packets_dir),
            packets=[p for p, _, _ in report.published],
        )
    return report

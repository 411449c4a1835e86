"""Content packets: one per approved topic, a draft until published."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

COLUMNS = (
    "p.packet_id, p.topic_id, p.created_at, p.status, p.generator, p.packet, p.published_at, "
    "p.json_path, p.md_path, t.title, t.subreddit, t.url"
)


def add(
    con: duckdb.DuckDBPyConnection,
    packet_id: str,
    topic_id: str,
    packet: dict[str, Any],
    generator: str,
    created_at: dt.datetime,
) -> None:
    """Store a draft, replacing an earlier draft of the same topic."""
    con.execute("DELETE FROM packets WHERE topic_id = ? AND status = 'draft'", [topic_id])
    con.execute(
        "INSERT INTO packets (packet_id, topic_id, created_at, status, generator, packet) "
        "VALUES (?, ?, ?, 'draft', ?, ?)",
        [packet_id, topic_id, created_at, generator, json.dumps(packet, ensure_ascii=False)],
    )


def _row(r: Sequence[Any]) -> dict[str, Any]:
    return {
        "packet_id": r[0],
        "topic_id": r[1],
        "created_at": r[2],
        "status": r[3],
        "generator": r[4],
        "packet": json.loads(r[5]),
        "published_at": r[6],
        "json_path": r[7],
        "md_path": r[8],
        "title": r[9],
        "subreddit": r[10],
        "url": r[11],
    }


def listing(con: duckdb.DuckDBPyConnection, status: str | None = None) -> list[dict[str, Any]]:
    where = "WHERE p.status = ?" if status else ""
    rows = con.execute(
        f"SELECT {COLUMNS} FROM packets p LEFT JOIN topics t USING (topic_id) {where} "
        "ORDER BY p.created_at, p.packet_id",
        [status] if status else [],
    ).fetchall()
    return [_row(r) for r in rows]


def for_topic(con: duckdb.DuckDBPyConnection, topic_id: str) -> dict[str, Any] | None:
    row = con.execute(
        f"SELECT {COLUMNS} FROM packets p LEFT JOIN topics t USING (topic_id) "
        "WHERE p.topic_id = ? AND p.status <> 'withdrawn' ORDER BY p.created_at DESC LIMIT 1",
        [topic_id],
    ).fetchone()
    return _row(row) if row else None


def mark_published(
    con: duckdb.DuckDBPyConnection, packet_id: str, json_path: str, md_path: str
) -> None:
    con.execute(
        "UPDATE packets SET status = 'published', published_at = now()::TIMESTAMP, "
        "json_path = ?, md_path = ? WHERE packet_id = ? AND status = 'draft'",
        [json_path, md_path, packet_id],
    )


def withdraw(con: duckdb.DuckDBPyConnection, topic_id: str) -> int:
    """Withdraw a topic's draft (its decision changed); returns how many were withdrawn."""
    row = con.execute(
        "UPDATE packets SET status = 'withdrawn' WHERE topic_id = ? AND status = 'draft' "
        "RETURNING packet_id",
        [topic_id],
    ).fetchall()
    return len(row)

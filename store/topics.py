"""Queries on topics and their observations."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb


def upsert(
    con: duckdb.DuckDBPyConnection,
    record: dict[str, Any],
    *,
    score: float | None = None,
    scoring_version: str | None = None,
) -> None:
    """Insert a topic record, or refresh it and keep its first sighting and status."""
    source = record.get("source", {})
    con.execute(
        """
        INSERT INTO topics (topic_id, subreddit, post_id, title, url, author, created_at,
                            first_seen, last_seen, status, score, scoring_version, record)
        VALUES (?, ?, ?, ?, ?, ?, ?::TIMESTAMP, ?::TIMESTAMP, ?::TIMESTAMP, 'proposed', ?, ?, ?)
        ON CONFLICT (topic_id) DO UPDATE SET
            title = excluded.title, url = excluded.url, last_seen = excluded.last_seen,
            score = coalesce(excluded.score, topics.score),
            scoring_version = coalesce(excluded.scoring_version, topics.scoring_version),
            record = excluded.record
        """,
        [
            record["topic_id"],
            source.get("subreddit"),
            source.get("post_id"),
            record["title"],
            record["url"],
            record.get("author"),
            _ts(record.get("created_at")),
            _ts(record["captured_at"]),
            _ts(record["captured_at"]),
            score,
            scoring_version,
            json.dumps(record, ensure_ascii=False),
        ],
    )
    metrics = record["metrics"]
    con.execute(
        "INSERT INTO topic_observations VALUES (?, ?::TIMESTAMP, ?, ?, ?, ?)",
        [
            record["topic_id"],
            _ts(record["captured_at"]),
            metrics["upvotes"],
            metrics["num_comments"],
            metrics.get("upvote_velocity_per_hour"),
            metrics.get("comment_velocity_per_hour"),
        ],
    )


def _ts(value: str | None) -> str | None:
    if value is None:
        return None
    return value.replace("Z", "").replace("T", " ")[:26]


def queue(
    con: duckdb.DuckDBPyConnection, *, status: str = "proposed", limit: int = 500
) -> list[dict[str, Any]]:
    rows = con.execute(
        "SELECT topic_id, subreddit, title, url, score, status, record FROM topics "
        "WHERE status = ? ORDER BY score DESC NULLS LAST, topic_id LIMIT ?",
        [status, limit],
    ).fetchall()
    return [
        {
            "topic_id": r[0],
            "subreddit": r[1],
            "title": r[2],
            "url": r[3],
            "score": r[4],
            "status": r[5],
            "record": json.loads(r[6]),
        }
        for r in rows
    ]


def counts_by_status(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    rows = con.execute("SELECT status, count(*) FROM topics GROUP BY status").fetchall()
    return {r[0]: r[1] for r in rows}


def delete_demo(con: duckdb.DuckDBPyConnection) -> int:
    ids = [
        r[0]
        for r in con.execute(
            "SELECT topic_id FROM topics WHERE json_extract(record, '$.raw.demo')::BOOLEAN"
        ).fetchall()
    ]
    for topic_id in ids:
        con.execute("DELETE FROM topic_observations WHERE topic_id = ?", [topic_id])
        con.execute("DELETE FROM topics WHERE topic_id = ?", [topic_id])
    return len(ids)

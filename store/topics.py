"""Queries on topics, their observations, scores, earlier proposals and shortlists.

A topic's row holds its latest record (the newest observation); every observation is kept in
``topic_observations``, so velocity is measured against the previous one. ``status`` follows
the pipeline: proposed -> approved | rejected -> draft (a packet exists) -> published.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

STATUSES = ("proposed", "approved", "rejected", "draft", "published")
COLUMNS = (
    "topic_id, subreddit, title, url, score, status, record, flagged, note, components, "
    "scoring_version, fingerprint, first_seen, last_seen"
)


def upsert(
    con: duckdb.DuckDBPyConnection,
    record: dict[str, Any],
    *,
    score: float | None = None,
    scoring_version: str | None = None,
    fingerprint: str | None = None,
) -> bool:
    """Store one observation of a topic; returns True when the topic is new.

    The row keeps its first sighting and status; its record is replaced only by a newer
    observation. An observation already stored (same topic, same capture time) is not
    stored twice.
    """
    source = record.get("source", {})
    captured = ts(record["captured_at"])
    exists = con.execute("SELECT 1 FROM topics WHERE topic_id = ?", [record["topic_id"]]).fetchone()
    payload = json.dumps(record, ensure_ascii=False)
    if exists is None:
        con.execute(
            """
            INSERT INTO topics (topic_id, subreddit, post_id, title, url, author, created_at,
                                first_seen, last_seen, status, score, scoring_version, record,
                                fingerprint, status_at)
            VALUES (?, ?, ?, ?, ?, ?, ?::TIMESTAMP, ?::TIMESTAMP, ?::TIMESTAMP, 'proposed', ?, ?,
                    ?, ?, ?::TIMESTAMP)
            """,
            [
                record["topic_id"],
                source.get("subreddit"),
                source.get("post_id"),
                record["title"],
                record["url"],
                record.get("author"),
                ts(record.get("created_at")),
                captured,
                captured,
                score,
                scoring_version,
                payload,
                fingerprint,
                captured,
            ],
        )
    else:
        con.execute(
            "UPDATE topics SET first_seen = least(first_seen, ?::TIMESTAMP) WHERE topic_id = ?",
            [captured, record["topic_id"]],
        )
        con.execute(
            """
            UPDATE topics SET title = ?, url = ?, last_seen = ?::TIMESTAMP, record = ?,
                fingerprint = coalesce(?, fingerprint),
                score = coalesce(?, score), scoring_version = coalesce(?, scoring_version)
            WHERE topic_id = ? AND (last_seen IS NULL OR last_seen <= ?::TIMESTAMP)
            """,
            [
                record["title"],
                record["url"],
                captured,
                payload,
                fingerprint,
                score,
                scoring_version,
                record["topic_id"],
                captured,
            ],
        )
    metrics = record["metrics"]
    con.execute(
        """
        INSERT INTO topic_observations
        SELECT ?, ?::TIMESTAMP, ?, ?, ?, ?
        WHERE NOT EXISTS (SELECT 1 FROM topic_observations
                          WHERE topic_id = ? AND captured_at = ?::TIMESTAMP)
        """,
        [
            record["topic_id"],
            captured,
            metrics["upvotes"],
            metrics["num_comments"],
            metrics.get("upvote_velocity_per_hour"),
            metrics.get("comment_velocity_per_hour"),
            record["topic_id"],
            captured,
        ],
    )
    return exists is None


def ts(value: str | None) -> str | None:
    """An ISO-8601 time as DuckDB's naive UTC TIMESTAMP text."""
    if value is None:
        return None
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed.isoformat(sep=" ")


def observation_near(
    con: duckdb.DuckDBPyConnection, topic_id: str, captured_at: str, *, before: bool
) -> tuple[dt.datetime, int, int] | None:
    """The observation just before (or just after) ``captured_at``."""
    op, order = ("<", "DESC") if before else (">", "ASC")
    row = con.execute(
        f"SELECT captured_at, upvotes, num_comments FROM topic_observations "
        f"WHERE topic_id = ? AND captured_at {op} ?::TIMESTAMP ORDER BY captured_at {order} "
        f"LIMIT 1",
        [topic_id, ts(captured_at)],
    ).fetchone()
    return (row[0], row[1], row[2]) if row else None


def has_observation(con: duckdb.DuckDBPyConnection, topic_id: str, captured_at: str) -> bool:
    row = con.execute(
        "SELECT 1 FROM topic_observations WHERE topic_id = ? AND captured_at = ?::TIMESTAMP",
        [topic_id, ts(captured_at)],
    ).fetchone()
    return row is not None


def set_observation_velocity(
    con: duckdb.DuckDBPyConnection,
    topic_id: str,
    captured_at: dt.datetime,
    upvote_velocity: float | None,
    comment_velocity: float | None,
) -> None:
    con.execute(
        "UPDATE topic_observations SET upvote_velocity = ?, comment_velocity = ? "
        "WHERE topic_id = ? AND captured_at = ?",
        [upvote_velocity, comment_velocity, topic_id, captured_at],
    )


def observations(con: duckdb.DuckDBPyConnection, topic_id: str) -> list[dict[str, Any]]:
    rows = con.execute(
        "SELECT captured_at, upvotes, num_comments, upvote_velocity, comment_velocity "
        "FROM topic_observations WHERE topic_id = ? ORDER BY captured_at",
        [topic_id],
    ).fetchall()
    keys = ("captured_at", "upvotes", "num_comments", "upvote_velocity", "comment_velocity")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def set_record(con: duckdb.DuckDBPyConnection, record: dict[str, Any]) -> None:
    con.execute(
        "UPDATE topics SET record = ? WHERE topic_id = ?",
        [json.dumps(record, ensure_ascii=False), record["topic_id"]],
    )


def _row(r: Sequence[Any]) -> dict[str, Any]:
    return {
        "topic_id": r[0],
        "subreddit": r[1],
        "title": r[2],
        "url": r[3],
        "score": r[4],
        "status": r[5],
        "record": json.loads(r[6]),
        "flagged": bool(r[7]),
        "note": r[8],
        "components": json.loads(r[9]) if r[9] else None,
        "scoring_version": r[10],
        "fingerprint": r[11],
        "first_seen": r[12],
        "last_seen": r[13],
    }


def get(con: duckdb.DuckDBPyConnection, topic_id: str) -> dict[str, Any] | None:
    row = con.execute(f"SELECT {COLUMNS} FROM topics WHERE topic_id = ?", [topic_id]).fetchone()
    return _row(row) if row else None


def queue(
    con: duckdb.DuckDBPyConnection, *, status: str = "proposed", limit: int = 5000
) -> list[dict[str, Any]]:
    """Topics in one status, best score first."""
    rows = con.execute(
        f"SELECT {COLUMNS} FROM topics WHERE status = ? "
        "ORDER BY score DESC NULLS LAST, topic_id LIMIT ?",
        [status, limit],
    ).fetchall()
    return [_row(r) for r in rows]


def by_status(con: duckdb.DuckDBPyConnection, statuses: Iterable[str]) -> list[dict[str, Any]]:
    wanted = list(statuses)
    rows = con.execute(
        f"SELECT {COLUMNS} FROM topics WHERE list_contains(?, status) "
        "ORDER BY score DESC NULLS LAST, topic_id",
        [wanted],
    ).fetchall()
    return [_row(r) for r in rows]


def unscored(con: duckdb.DuckDBPyConnection, status: str = "proposed") -> int:
    row = con.execute(
        "SELECT count(*) FROM topics WHERE status = ? AND score IS NULL", [status]
    ).fetchone()
    return int(row[0]) if row else 0


def counts_by_status(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    rows = con.execute("SELECT status, count(*) FROM topics GROUP BY status").fetchall()
    return {r[0]: r[1] for r in rows}


def set_status(con: duckdb.DuckDBPyConnection, topic_id: str, status: str) -> None:
    if status not in STATUSES:
        raise ValueError(f"unknown topic status {status!r}")
    con.execute(
        "UPDATE topics SET status = ?, status_at = now()::TIMESTAMP WHERE topic_id = ?",
        [status, topic_id],
    )


def set_flag(con: duckdb.DuckDBPyConnection, topic_id: str, flagged: bool) -> None:
    con.execute("UPDATE topics SET flagged = ? WHERE topic_id = ?", [flagged, topic_id])


def set_note(con: duckdb.DuckDBPyConnection, topic_id: str, note: str | None) -> None:
    con.execute("UPDATE topics SET note = ? WHERE topic_id = ?", [note or None, topic_id])


def set_fingerprint(con: duckdb.DuckDBPyConnection, topic_id: str, fingerprint: str) -> None:
    con.execute("UPDATE topics SET fingerprint = ? WHERE topic_id = ?", [fingerprint, topic_id])


def set_scores(
    con: duckdb.DuckDBPyConnection,
    version: str,
    scores: Iterable[tuple[str, float, dict[str, Any]]],
    scored_at: dt.datetime,
) -> int:
    """Record a scoring run; the topics' current score becomes this version's."""
    count = 0
    for topic_id, score, components in scores:
        payload = json.dumps(components, sort_keys=True)
        con.execute(
            "INSERT INTO topic_scores VALUES (?, ?, ?, ?, ?)",
            [topic_id, version, score, payload, scored_at],
        )
        con.execute(
            "UPDATE topics SET score = ?, scoring_version = ?, components = ? WHERE topic_id = ?",
            [score, version, payload, topic_id],
        )
        count += 1
    return count


def add_proposal(
    con: duckdb.DuckDBPyConnection,
    topic_id: str,
    proposed_at: str,
    source: str,
    score: float | None,
) -> None:
    """An earlier system proposed this topic (an imported candidate batch)."""
    con.execute(
        "INSERT INTO topic_proposals SELECT ?, ?::TIMESTAMP, ?, ? WHERE NOT EXISTS ("
        " SELECT 1 FROM topic_proposals WHERE topic_id = ? AND proposed_at = ?::TIMESTAMP)",
        [topic_id, ts(proposed_at), source, score, topic_id, ts(proposed_at)],
    )


def seen_since(
    con: duckdb.DuckDBPyConnection, since: dt.datetime, until: dt.datetime
) -> list[tuple[str, str | None, dt.datetime]]:
    """(topic_id, fingerprint, when) of topics the pipeline handled in the window: decided
    (an approval record not undone), packaged, or proposed by an imported batch."""
    rows = con.execute(
        """
        WITH seen AS (
            SELECT topic_id, recorded_at AS at FROM approvals WHERE revoked_at IS NULL
            UNION ALL SELECT topic_id, created_at FROM packets WHERE status <> 'withdrawn'
            UNION ALL SELECT topic_id, proposed_at FROM topic_proposals
        )
        SELECT s.topic_id, t.fingerprint, s.at FROM seen s
        LEFT JOIN topics t USING (topic_id)
        WHERE s.at >= ? AND s.at <= ?
        """,
        [since, until],
    ).fetchall()
    return [(r[0], r[1], r[2]) for r in rows]


def add_shortlist(
    con: duckdb.DuckDBPyConnection,
    generated_at: dt.datetime,
    version: str | None,
    path: str | None,
    record: dict[str, Any],
) -> int:
    row = con.execute(
        "INSERT INTO shortlists (generated_at, scoring_version, path, record) "
        "VALUES (?, ?, ?, ?) RETURNING id",
        [generated_at, version, path, json.dumps(record, ensure_ascii=False)],
    ).fetchone()
    assert row is not None
    return int(row[0])


def shortlists(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    rows = con.execute(
        "SELECT id, generated_at, scoring_version, path, record FROM shortlists ORDER BY id"
    ).fetchall()
    return [
        {
            "id": r[0],
            "generated_at": r[1],
            "version": r[2],
            "path": r[3],
            "record": json.loads(r[4]),
        }
        for r in rows
    ]


def delete_demo(con: duckdb.DuckDBPyConnection) -> int:
    """Remove the demo's sample topics and everything recorded about them."""
    ids = [
        r[0]
        for r in con.execute(
            "SELECT topic_id FROM topics WHERE json_extract(record, '$.raw.demo')::BOOLEAN"
        ).fetchall()
    ]
    for topic_id in ids:
        for table in (
            "topic_observations",
            "topic_scores",
            "topic_proposals",
            "approvals",
            "packets",
            "topics",
        ):
            con.execute(f"DELETE FROM {table} WHERE topic_id = ?", [topic_id])
    return len(ids)

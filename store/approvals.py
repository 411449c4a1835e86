"""Approval records: every decision on a topic, kept even when undone or edited.

A row is an ``approval_record`` (topic_id, approved, approved_at, approved_by, method,
notes) plus bookkeeping: the session it was made in, when it was stored, and whether (and
why) it was revoked. Undo and edits revoke a row; an edit adds the new decision as a new row.
The effective decision of a topic is its latest row that is not revoked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

COLUMNS = (
    "a.id, a.topic_id, a.approved, a.approved_at, a.approved_by, a.method, a.notes, a.session, "
    "a.recorded_at, a.revoked_at, a.revoked_reason, t.title, t.subreddit"
)


def add(
    con: duckdb.DuckDBPyConnection, record: dict[str, Any], *, session: str | None = None
) -> int:
    row = con.execute(
        "INSERT INTO approvals (topic_id, approved, approved_at, approved_by, method, notes, "
        "session, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [
            record["topic_id"],
            record["approved"],
            record["approved_at"],
            record["approved_by"],
            record.get("method", "manual"),
            record.get("notes"),
            session,
            dt.datetime.now(dt.UTC).replace(tzinfo=None),
        ],
    ).fetchone()
    assert row is not None
    return int(row[0])


def revoke(con: duckdb.DuckDBPyConnection, approval_id: int, reason: str) -> None:
    con.execute(
        "UPDATE approvals SET revoked_at = now()::TIMESTAMP, revoked_reason = ? "
        "WHERE id = ? AND revoked_at IS NULL",
        [reason, approval_id],
    )


def _row(r: Sequence[Any]) -> dict[str, Any]:
    return {
        "id": r[0],
        "topic_id": r[1],
        "approved": bool(r[2]),
        "approved_at": r[3],
        "approved_by": r[4],
        "method": r[5],
        "notes": r[6],
        "session": r[7],
        "recorded_at": r[8],
        "revoked_at": r[9],
        "revoked_reason": r[10],
        "title": r[11],
        "subreddit": r[12],
    }


def get(con: duckdb.DuckDBPyConnection, approval_id: int) -> dict[str, Any] | None:
    row = con.execute(
        f"SELECT {COLUMNS} FROM approvals a LEFT JOIN topics t USING (topic_id) WHERE a.id = ?",
        [approval_id],
    ).fetchone()
    return _row(row) if row else None


def current_for_topic(con: duckdb.DuckDBPyConnection, topic_id: str) -> dict[str, Any] | None:
    row = con.execute(
        f"SELECT {COLUMNS} FROM approvals a LEFT JOIN topics t USING (topic_id) "
        "WHERE a.topic_id = ? AND a.revoked_at IS NULL ORDER BY a.id DESC LIMIT 1",
        [topic_id],
    ).fetchone()
    return _row(row) if row else None


def recent(
    con: duckdb.DuckDBPyConnection, *, limit: int = 10, session: str | None = None
) -> list[dict[str, Any]]:
    """Decisions in force, newest first (of one session, or of all)."""
    where = "a.revoked_at IS NULL" + (" AND a.session = ?" if session else "")
    params: list[Any] = [session] if session else []
    rows = con.execute(
        f"SELECT {COLUMNS} FROM approvals a LEFT JOIN topics t USING (topic_id) "
        f"WHERE {where} ORDER BY a.id DESC LIMIT ?",
        [*params, limit],
    ).fetchall()
    return [_row(r) for r in rows]


def all_rows(con: duckdb.DuckDBPyConnection, *, include_revoked: bool = False) -> list[dict]:
    where = "" if include_revoked else "WHERE a.revoked_at IS NULL"
    rows = con.execute(
        f"SELECT {COLUMNS} FROM approvals a LEFT JOIN topics t USING (topic_id) {where} "
        "ORDER BY a.id"
    ).fetchall()
    return [_row(r) for r in rows]


def approval_record(row: dict[str, Any]) -> dict[str, Any]:
    """The schema's approval_record of a stored row."""
    out = {
        "topic_id": row["topic_id"],
        "approved": row["approved"],
        "approved_at": row["approved_at"],
        "approved_by": row["approved_by"],
        "method": row["method"],
    }
    if row.get("notes"):
        out["notes"] = row["notes"]
    return out

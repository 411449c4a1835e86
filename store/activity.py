"""The activity log: who changed the workspace, what, and when."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb


def record(
    con: duckdb.DuckDBPyConnection,
    actor: str,
    action: str,
    subject: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    con.execute(
        "INSERT INTO activity (happened_at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
        [
            dt.datetime.now(dt.UTC).replace(tzinfo=None),
            actor,
            action,
            subject,
            json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail is not None else None,
        ],
    )


def recent(con: duckdb.DuckDBPyConnection, limit: int = 200) -> list[dict[str, Any]]:
    rows = con.execute(
        "SELECT id, happened_at, actor, action, subject, detail FROM activity "
        "ORDER BY id DESC LIMIT ?",
        [limit],
    ).fetchall()
    return [
        {
            "id": r[0],
            "at": r[1],
            "actor": r[2],
            "action": r[3],
            "subject": r[4],
            "detail": json.loads(r[5]) if r[5] else None,
        }
        for r in rows
    ]

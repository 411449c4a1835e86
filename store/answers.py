"""Queries on compare answers and the votes cast on them."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

ANSWER_FIELDS = (
    "text",
    "model",
    "model_id",
    "adapter",
    "adapter_id",
    "adapter_enabled",
    "label",
    "run_id",
    "step",
    "prompt_tokens",
    "tokens",
    "first_token_s",
    "seconds",
    "finish_reason",
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def insert_answer(
    con: duckdb.DuckDBPyConnection,
    answer: dict[str, Any],
    conversation: list[dict[str, str]],
    session: str | None = None,
) -> int:
    """Store one answer with its provenance; return its id."""
    values = [answer[f] for f in ANSWER_FIELDS]
    row = con.execute(
        f"INSERT INTO answers (created_at, session, conversation, settings, "
        f"{', '.join(ANSWER_FIELDS)}) VALUES (?, ?, ?, ?, "
        f"{', '.join('?' for _ in ANSWER_FIELDS)}) RETURNING id",
        [
            _now(),
            session,
            json.dumps(conversation, ensure_ascii=False),
            json.dumps(answer["settings"], sort_keys=True),
            *values,
        ],
    ).fetchone()
    assert row is not None
    return int(row[0])


def get_answer(con: duckdb.DuckDBPyConnection, answer_id: int) -> dict[str, Any] | None:
    cur = con.execute("SELECT * FROM answers WHERE id = ?", [answer_id])
    row = cur.fetchone()
    if row is None:
        return None
    data = dict(zip([d[0] for d in cur.description], row, strict=True))
    data["conversation"] = json.loads(data["conversation"])
    data["settings"] = json.loads(data["settings"])
    return data


def insert_vote(
    con: duckdb.DuckDBPyConnection, left: int, right: int, choice: str, *, blind: bool, voter: str
) -> int:
    if choice not in ("left", "right", "tie", "both_bad"):
        raise ValueError(f"unknown vote {choice!r}")
    row = con.execute(
        "INSERT INTO votes (created_at, left_answer, right_answer, choice, blind, voter) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        [_now(), left, right, choice, blind, voter],
    ).fetchone()
    assert row is not None
    return int(row[0])


def votes_with_answers(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every vote with the conversation and both answers' text and label, oldest first."""
    rows = con.execute(
        """
        SELECT v.id, v.choice, v.blind, l.conversation, l.text, l.label, r.text, r.label
        FROM votes v JOIN answers l ON l.id = v.left_answer JOIN answers r ON r.id = v.right_answer
        ORDER BY v.id
        """
    ).fetchall()
    return [
        {
            "vote": r[0],
            "choice": r[1],
            "blind": r[2],
            "conversation": json.loads(r[3]),
            "left_text": r[4],
            "left_label": r[5],
            "right_text": r[6],
            "right_label": r[7],
        }
        for r in rows
    ]


def count_answers(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT count(*) FROM answers").fetchone()
    return int(row[0]) if row else 0

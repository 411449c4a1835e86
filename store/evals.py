"""Queries on evaluations: cached replies, finished runs, and human ratings of answers."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# -- the reply cache -----------------------------------------------------------------------------


def cached_replies(con: duckdb.DuckDBPyConnection, keys: list[str]) -> dict[str, dict[str, Any]]:
    """The stored replies for those keys that have one."""
    if not keys:
        return {}
    rows = con.execute(
        "SELECT key, reply FROM eval_cache WHERE list_contains(?, key)", [keys]
    ).fetchall()
    out: dict[str, dict[str, Any]] = {}
    for key, reply in rows:
        try:
            data = json.loads(reply)
        except ValueError:
            continue  # an unreadable entry is a miss, never a crash
        if isinstance(data, dict):
            out[key] = data
    return out


def put_reply(
    con: duckdb.DuckDBPyConnection,
    key: str,
    suite: str,
    model: str,
    identity: dict[str, Any],
    reply: dict[str, Any],
) -> None:
    con.execute(
        "INSERT OR REPLACE INTO eval_cache (key, created_at, suite, model, identity, reply) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            key,
            _now(),
            suite,
            model,
            json.dumps(identity, sort_keys=True),
            json.dumps(reply, sort_keys=True, ensure_ascii=False),
        ],
    )


def clear_cache(con: duckdb.DuckDBPyConnection, suite: str | None = None) -> int:
    """Delete cached replies (of one suite, or all); return how many."""
    where, params = ("WHERE suite = ?", [suite]) if suite else ("", [])
    row = con.execute(f"SELECT count(*) FROM eval_cache {where}", params).fetchone()
    con.execute(f"DELETE FROM eval_cache {where}", params)
    return int(row[0]) if row else 0


def count_cached(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT count(*) FROM eval_cache").fetchone()
    return int(row[0]) if row else 0


# -- finished runs ---------------------------------------------------------------------------------


def insert_run(con: duckdb.DuckDBPyConnection, run: dict[str, Any]) -> int:
    results = run.get("results", [])
    row = con.execute(
        "INSERT INTO eval_runs (created_at, suite, models, results, failed, run) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        [
            _now(),
            run["suite"],
            json.dumps(run["models"]),
            len(results),
            sum(1 for r in results if r.get("error") is not None),
            json.dumps(run, sort_keys=True, ensure_ascii=False),
        ],
    ).fetchone()
    assert row is not None
    return int(row[0])


def list_runs(con: duckdb.DuckDBPyConnection, limit: int = 50) -> list[dict[str, Any]]:
    rows = con.execute(
        "SELECT id, created_at, suite, models, results, failed FROM eval_runs "
        "ORDER BY id DESC LIMIT ?",
        [limit],
    ).fetchall()
    return [
        {
            "id": r[0],
            "created_at": r[1],
            "suite": r[2],
            "models": json.loads(r[3]),
            "results": r[4],
            "failed": r[5],
        }
        for r in rows
    ]


def get_run(con: duckdb.DuckDBPyConnection, run_id: int | None = None) -> dict[str, Any] | None:
    """One stored run (the latest when ``run_id`` is None) as its dict."""
    if run_id is None:
        row = con.execute("SELECT id, run FROM eval_runs ORDER BY id DESC LIMIT 1").fetchone()
    else:
        row = con.execute("SELECT id, run FROM eval_runs WHERE id = ?", [run_id]).fetchone()
    if row is None:
        return None
    data: dict[str, Any] = json.loads(row[1])
    data["id"] = int(row[0])
    return data


# -- human ratings ---------------------------------------------------------------------------------


def put_rating(
    con: duckdb.DuckDBPyConnection, item: str, dimension: str, label: str, rater: str
) -> None:
    con.execute(
        "INSERT OR REPLACE INTO eval_ratings (item, dimension, label, rater, rated_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [item, dimension, label, rater, _now()],
    )


def delete_rating(con: duckdb.DuckDBPyConnection, item: str, dimension: str, rater: str) -> None:
    con.execute(
        "DELETE FROM eval_ratings WHERE item = ? AND dimension = ? AND rater = ?",
        [item, dimension, rater],
    )


def ratings(
    con: duckdb.DuckDBPyConnection, items: list[str] | None = None
) -> dict[str, dict[str, str]]:
    """item -> dimension -> label; with several raters, the latest rating counts."""
    sql = "SELECT item, dimension, label FROM eval_ratings"
    params: list[Any] = []
    if items is not None:
        sql += " WHERE list_contains(?, item)"
        params.append(items)
    sql += " ORDER BY rated_at, item, dimension"
    out: dict[str, dict[str, str]] = {}
    for item, dimension, label in con.execute(sql, params).fetchall():
        out.setdefault(item, {})[dimension] = label
    return out

"""Bulk ingest queries: candidate records checked against the stored ones and indexed.

The importer (``engine.importers``) applies the record rule to every input line (in worker
processes) and hands over each batch's candidates as an Arrow table in line order. These
queries find which of their keys records stored before the import already have
(``stored_keys``; the importer remembers the keys of its own earlier lines), and insert the
new candidates with consecutive ids in line order (``insert_batch``), with the derived columns
(turns, first user message, flags, ``search_text``). This module does not import ``engine``.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

SEARCH_SEPARATOR = "\x00"
"""Between the messages of a record's ``search_text`` (stripped contents never end with it,
and a search for text that contains it does not use the column)."""
SEARCH_TEXT_SQL = "lower(array_to_string(list_transform({msgs}, lambda t: t.content), chr(0)))"
"""The ``search_text`` of a record: its contents lowercased (as ILIKE lowercases them),
joined by ``SEARCH_SEPARATOR``."""

RECORD_INSERT_COLUMNS = (
    "id, source, import_id, line_no, hash, user_md5, turns, chars, approx_tokens, first_user, "
    "last_role, flags, messages, metadata, imported_at, format, search_text"
)


def last_record_id(con: duckdb.DuckDBPyConnection, *, source: str | None = None) -> int | None:
    """The highest record id (of ``source`` if given), or None where there is no record."""
    scope = "WHERE source = ?" if source is not None else ""
    ((high,),) = con.execute(
        f"SELECT max(id) FROM records {scope}", [source] if source is not None else []
    ).fetchall()
    return None if high is None else int(high)


def stored_keys(
    con: duckdb.DuckDBPyConnection,
    candidates: Any,
    *,
    key_column: str,
    source: str | None,
    up_to_id: int,
) -> set[str]:
    """The keys of ``candidates`` (an Arrow table with a ``key_column``) that records with
    ids up to ``up_to_id`` have (of ``source`` if given): the records stored before an import
    began, whose later records have higher ids."""
    if key_column not in ("hash", "user_md5"):
        raise ValueError(f"unknown key column {key_column!r}")
    scope = "AND r.source = ?" if source is not None else ""
    ingest_candidates = candidates  # noqa: F841 (scanned by name: see ``insert_batch``)
    rows = con.execute(
        f"""
        SELECT DISTINCT r.{key_column} FROM records r
        WHERE r.{key_column} IN (SELECT {key_column} FROM ingest_candidates)
          AND r.id <= ? {scope}
        """,
        [up_to_id] + ([source] if source is not None else []),
    ).fetchall()
    return {r[0] for r in rows}


def insert_batch(
    con: duckdb.DuckDBPyConnection,
    candidates: Any,
    keep: Any,
    *,
    line_base: int = 0,
    source: str,
    import_id: int,
    imported_at: Any,
) -> int:
    """Insert the candidates that ``keep`` (a numpy boolean array) marks as new; returns how
    many. ``candidates`` is an Arrow table ``(line_no, fmt, msgs, meta, hash, user_md5,
    chars)`` in line order, its line numbers ``line_base`` less than the input's; the new
    records get consecutive ids in line order."""
    import numpy as np
    import pyarrow as pa

    inserted = int(keep.sum())
    if inserted:
        # Ids in line order for the new ones (the rest get none and are not inserted).
        base = _reserve_ids(con, inserted)
        ids = pa.array(base + np.cumsum(keep) - 1, pa.int64(), mask=~keep)
        # Scanned by its name (DuckDB's replacement scan of a local variable) rather than
        # registered: a view registered inside the import's transaction would keep the table
        # (and so every piece) alive until the commit.
        ingest_new = candidates.append_column("id", ids)  # noqa: F841
        con.execute(
            f"""
            INSERT INTO records ({RECORD_INSERT_COLUMNS})
            SELECT c.id, ?, ?, c.line_no + ?, c.hash, c.user_md5, len(c.msgs),
                   c.chars, (c.chars + 3) // 4,
                   coalesce(list_filter(c.msgs, lambda t: t.role = 'user')[1].content, ''),
                   c.msgs[-1].role,
                   list_filter([
                       CASE WHEN c.msgs[-1].role <> 'assistant'
                            THEN 'last_not_assistant' END,
                       CASE WHEN list_contains(list_transform(c.msgs, lambda t: t.role),
                                 'system') THEN 'has_system' END,
                       CASE WHEN NOT regexp_full_match(array_to_string(list_transform(
                                 c.msgs, lambda t: left(t.role, 1)), ''), 's?(ua)*u?')
                            THEN 'role_order' END], lambda f: f IS NOT NULL),
                   c.msgs, c.meta::JSON, ?, c.fmt, {SEARCH_TEXT_SQL.format(msgs="c.msgs")}
            FROM ingest_new c WHERE c.id IS NOT NULL
            """,
            [source, import_id, line_base, imported_at],
        )
    return inserted


_ID_LOCK = threading.Lock()


def _reserve_ids(con: duckdb.DuckDBPyConnection, n: int) -> int:
    """The first of ``n`` consecutive record ids taken from the sequence.

    Only one process writes the database, and this lock keeps this process's imports from
    interleaving, so the block is consecutive; checked all the same.
    """
    with _ID_LOCK:
        ((low, high),) = con.execute(
            "SELECT min(v), max(v) FROM (SELECT nextval('records_id_seq') AS v FROM range(?))",
            [n],
        ).fetchall()
    if high - low + 1 != n:
        raise RuntimeError(f"record ids {low}..{high} are not {n} consecutive values")
    return int(low)


def format_counts(con: duckdb.DuckDBPyConnection, import_id: int) -> dict[str, int]:
    rows = con.execute(
        "SELECT format, count(*) FROM records WHERE import_id = ? GROUP BY format", [import_id]
    ).fetchall()
    return {str(f): int(n) for f, n in rows}


def rows_as_lines(con: duckdb.DuckDBPyConnection, rows: Any, first_line: int) -> Any:
    """Typed rows (Parquet, datasets) as ``(line_no, raw)`` JSON text, numbered from
    ``first_line``, so that they take the same path as JSON lines."""
    import pyarrow as pa

    packed = pa.table(
        {
            "line_no": pa.array(range(first_line, first_line + rows.num_rows), pa.int64()),
            "row": pa.StructArray.from_arrays(
                [c.combine_chunks() for c in rows.columns], names=rows.column_names
            ),
        }
    )
    ingest_rows = packed  # noqa: F841 (scanned by name: see ``insert_batch``)
    return con.sql(
        "SELECT line_no, to_json(row)::VARCHAR AS raw FROM ingest_rows ORDER BY line_no"
    ).to_arrow_table()


def limit_memory(con: duckdb.DuckDBPyConnection, limit_gib: float = 0.6) -> None:
    """Keep DuckDB's buffers within ``limit_gib`` during a big import (it spills to disk
    beyond), unless the database was already given a lower limit."""
    ((current,),) = con.execute("SELECT current_setting('memory_limit')").fetchall()
    number, _, unit = str(current).partition(" ")
    scale = {"KiB": 2**-20, "MiB": 2**-10, "GiB": 1.0, "TiB": 2**10}.get(unit)
    try:
        gib = float(number) * scale if scale is not None else None
    except ValueError:
        gib = None
    if gib is None or gib > limit_gib:
        con.execute(f"SET memory_limit = '{limit_gib}GiB'")

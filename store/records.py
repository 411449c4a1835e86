"""Queries on the record index: imports, records, rejects."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from store.ingest import SEARCH_SEPARATOR

if TYPE_CHECKING:
    import duckdb

RECORD_COLUMNS = (
    "id, source, import_id, line_no, hash, user_md5, turns, chars, approx_tokens, "
    "first_user, last_role, flags, messages, metadata, imported_at, format"
)


@dataclass
class RecordFilter:
    """Filters of the Data screen and the CLI; empty fields do not filter."""

    sources: list[str] = field(default_factory=list)
    min_turns: int | None = None
    max_turns: int | None = None
    min_tokens: int | None = None
    max_tokens: int | None = None
    flag: str | None = None
    search: str = ""
    regex: bool = False
    """``search`` is a regular expression (RE2, case-insensitive) rather than plain text."""

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if self.sources:
            clauses.append(f"source IN ({', '.join('?' for _ in self.sources)})")
            params.extend(self.sources)
        for column, op, value in (
            ("turns", ">=", self.min_turns),
            ("turns", "<=", self.max_turns),
            ("approx_tokens", ">=", self.min_tokens),
            ("approx_tokens", "<=", self.max_tokens),
        ):
            if value is not None:
                clauses.append(f"{column} {op} ?")
                params.append(value)
        if self.flag:
            clauses.append("list_contains(flags, ?)")
            params.append(self.flag)
        if self.search and self.regex:
            clauses.append(
                "len(list_filter(messages, lambda m: regexp_matches(m.content, ?, 'i'))) > 0"
            )
            params.append(self.search)
        elif self.search and SEARCH_SEPARATOR not in self.search:
            # The lowercased contents joined by a separator (``records.search_text``):
            # the same matches as ILIKE per message, scanning one string column.
            clauses.append("contains(search_text, lower(?))")
            params.append(self.search)
        elif self.search:
            escaped = self.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            clauses.append(
                "len(list_filter(messages, lambda m: m.content ILIKE ? ESCAPE '\\')) > 0"
            )
            params.append(f"%{escaped}%")
        return (" AND ".join(clauses) or "TRUE"), params


@dataclass(frozen=True)
class RecordRow:
    """A row of the record table, without the messages."""

    id: int
    source: str
    turns: int
    approx_tokens: int
    flags: list[str]
    first_user: str


def count(con: duckdb.DuckDBPyConnection, flt: RecordFilter | None = None) -> int:
    where, params = (flt or RecordFilter()).where()
    row = con.execute(f"SELECT count(*) FROM records WHERE {where}", params).fetchone()
    return int(row[0]) if row else 0


def page(
    con: duckdb.DuckDBPyConnection,
    flt: RecordFilter | None = None,
    *,
    after_id: int | None = None,
    before_id: int | None = None,
    offset: int | None = None,
    from_end: bool = False,
    limit: int = 100,
) -> list[RecordRow]:
    """A page of rows in id order: after an id, before an id, the last page, or at an offset
    (the first three use the id order only, so they cost the same anywhere in the table)."""
    where, params = (flt or RecordFilter()).where()
    order = "DESC" if from_end else "ASC"
    if after_id is not None:
        where += " AND id > ?"
        params.append(after_id)
    elif before_id is not None:
        where += " AND id < ?"
        params.append(before_id)
        order = "DESC"
    sql = (
        "SELECT id, source, turns, approx_tokens, flags, left(first_user, 200) "
        f"FROM records WHERE {where} ORDER BY id {order} LIMIT ?"
    )
    params.append(limit)
    if offset is not None and after_id is None and before_id is None:
        sql += " OFFSET ?"
        params.append(offset)
    rows = [
        RecordRow(r[0], r[1], r[2], r[3], list(r[4] or []), r[5] or "")
        for r in con.execute(sql, params).fetchall()
    ]
    if order == "DESC":
        rows.reverse()
    return rows


def get(con: duckdb.DuckDBPyConnection, record_id: int) -> dict[str, Any] | None:
    cur = con.execute(f"SELECT {RECORD_COLUMNS} FROM records WHERE id = ?", [record_id])
    row = cur.fetchone()
    if row is None:
        return None
    names = [d[0] for d in cur.description]
    data = dict(zip(names, row, strict=True))
    data["metadata"] = json.loads(data["metadata"]) if data["metadata"] else {}
    return data


@dataclass(frozen=True)
class SourceStats:
    source: str
    records: int
    avg_turns: float
    avg_tokens: float
    max_tokens: int
    flagged: int


def source_stats(con: duckdb.DuckDBPyConnection) -> list[SourceStats]:
    rows = con.execute(
        "SELECT source, count(*), avg(turns), avg(approx_tokens), max(approx_tokens), "
        "count(*) FILTER (WHERE len(flags) > 0) FROM records GROUP BY source ORDER BY source"
    ).fetchall()
    return [SourceStats(r[0], r[1], float(r[2]), float(r[3]), int(r[4]), r[5]) for r in rows]


def next_import_id(con: duckdb.DuckDBPyConnection) -> int:
    (row,) = con.execute("SELECT nextval('imports_id_seq')").fetchall()
    return int(row[0])


def insert_import(con: duckdb.DuckDBPyConnection, values: dict[str, Any]) -> None:
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    con.execute(f"INSERT INTO imports ({columns}) VALUES ({marks})", list(values.values()))


def insert_rejects(con: duckdb.DuckDBPyConnection, rows: list[tuple[Any, ...]]) -> None:
    if rows:
        con.executemany("INSERT INTO rejects VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


def rejects(
    con: duckdb.DuckDBPyConnection,
    *,
    source: str | None = None,
    reason: str | None = None,
    limit: int = 1000,
    offset: int = 0,
    raw: bool = False,
) -> list[tuple[Any, ...]]:
    """``(source, path, line_no, reason, detail[, raw])`` in import and line order."""
    clauses, params = ["TRUE"], []
    if source:
        clauses.append("source = ?")
        params.append(source)
    if reason:
        clauses.append("reason = ?")
        params.append(reason)
    extra = ", raw" if raw else ""
    return con.execute(
        f"SELECT source, path, line_no, reason, detail{extra} FROM rejects "
        f"WHERE {' AND '.join(clauses)} ORDER BY import_id, line_no LIMIT ? OFFSET ?",
        [*params, limit, offset],
    ).fetchall()


def reject_counts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    return con.execute(
        "SELECT reason, count(*) FROM rejects GROUP BY reason ORDER BY count(*) DESC, reason"
    ).fetchall()


def imports(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return con.execute(
        "SELECT id, source, path, format, finished_at, lines, accepted, duplicates, rejected "
        "FROM imports ORDER BY id"
    ).fetchall()


def import_ids_under(con: duckdb.DuckDBPyConnection, path_prefix: str) -> list[int]:
    rows = con.execute("SELECT id FROM imports WHERE starts_with(path, ?)", [path_prefix])
    return [r[0] for r in rows.fetchall()]


def delete_imports(con: duckdb.DuckDBPyConnection, ids: list[int]) -> int:
    """Delete the records, rejects and import entries of these imports."""
    if not ids:
        return 0
    marks = ", ".join("?" for _ in ids)
    con.execute(f"DELETE FROM records WHERE import_id IN ({marks})", ids)
    con.execute(f"DELETE FROM rejects WHERE import_id IN ({marks})", ids)
    con.execute(f"DELETE FROM imports WHERE id IN ({marks})", ids)
    return len(ids)


def mix_pools(
    con: duckdb.DuckDBPyConnection,
    sources: list[list[str]],
    *,
    key: str = "hash",
    across: bool = False,
    exclude: list[int] | None = None,
) -> tuple[list[list[int]], int]:
    """The deduplicated record ids of each mix source, in id (file) order, and how many
    records ``exclude`` left out.

    ``sources[i]`` lists the workspace sources feeding mix source ``i``. A record whose
    ``key`` (``hash`` or ``user_md5``) an earlier record of the same mix source has, or with
    ``across`` an earlier one of any mix source in this order, is left out; NULL keys never
    are. The work stays in DuckDB; only the ids come back.
    """
    import pyarrow as pa

    if key not in ("hash", "user_md5"):
        raise ValueError(f"unknown key column {key!r}")
    pairs = [(i, name) for i, names in enumerate(sources) for name in names]
    con.register(
        "mix_sources",
        pa.table({"pos": [p for p, _ in pairs], "name": [n for _, n in pairs]}),
    )
    con.register("mix_exclude", pa.table({"id": pa.array(exclude or [], pa.int64())}))
    partition = f"r.{key}" if across else f"s.pos, r.{key}"
    try:
        rows = con.execute(
            f"""
            SELECT s.pos, r.id FROM records r JOIN mix_sources s ON r.source = s.name
            WHERE r.id NOT IN (SELECT id FROM mix_exclude)
            QUALIFY r.{key} IS NULL
                OR row_number() OVER (PARTITION BY {partition} ORDER BY s.pos, r.id) = 1
            ORDER BY s.pos, r.id
            """
        ).fetchnumpy()
        ((left_out,),) = con.execute(
            "SELECT count(*) FROM records r JOIN mix_sources s ON r.source = s.name "
            "WHERE r.id IN (SELECT id FROM mix_exclude)"
        ).fetchall()
    finally:
        con.unregister("mix_sources")
        con.unregister("mix_exclude")
    pools: list[list[int]] = [[] for _ in sources]
    for pos, record_id in zip(rows["pos"].tolist(), rows["id"].tolist(), strict=True):
        pools[pos].append(record_id)
    return pools, int(left_out)


def messages_by_ids(
    con: duckdb.DuckDBPyConnection, ids: list[int], *, batch: int = 5000
) -> Iterator[list[tuple[int, list[dict[str, str]]]]]:
    """``(id, messages)`` for ``ids``, in the order given, a batch at a time (one join and
    one sort in DuckDB, streamed)."""
    import pyarrow as pa

    order = pa.table(
        {"pos": pa.array(range(len(ids)), pa.int64()), "id": pa.array(ids, pa.int64())}
    )
    con.register("wanted_ids", order)
    try:
        result = con.execute(
            "SELECT r.id, r.messages FROM wanted_ids w JOIN records r USING (id) ORDER BY w.pos"
        )
        while True:
            rows = result.fetchmany(batch)
            if not rows:
                return
            yield rows
    finally:
        con.unregister("wanted_ids")


def iter_messages(
    con: duckdb.DuckDBPyConnection, flt: RecordFilter | None = None, *, batch: int = 5000
) -> Iterator[list[tuple[int, list[dict[str, str]]]]]:
    """``(id, messages)`` of every record the filter keeps, in id order, a batch at a time."""
    where, params = (flt or RecordFilter()).where()
    after = 0
    while True:
        rows = con.execute(
            f"SELECT id, messages FROM records WHERE {where} AND id > ? ORDER BY id LIMIT ?",
            [*params, after, batch],
        ).fetchall()
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def source_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    rows = con.execute("SELECT source, count(*) FROM records GROUP BY source").fetchall()
    return {str(s): int(n) for s, n in rows}

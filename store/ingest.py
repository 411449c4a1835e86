"""Bulk ingest queries: input lines normalised, hashed, deduplicated and indexed in DuckDB.

The importer (``engine.importers``) hands over a batch of input lines; these queries parse the
lines DuckDB can take through its JSON reader, normalise them exactly as the Python rule does
(``Rules`` carries that rule's constants, so this module does not import ``engine``), and
return everything else so that Python can parse it and give each line its reason. Candidates
from both paths are then deduplicated together in line order and inserted with ids in line
order.

The fast path is deliberately conservative: a line it has any doubt about (invalid or lenient
JSON, duplicate keys, a non-string role or content, control-character escapes that the
payload below would not reproduce, a record the rule would reject) goes to Python.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

# Fragments of the raw text that send a line to the Python path: trailing commas (DuckDB's
# JSON reader accepts them, Python's does not) and escapes of control characters (Python
# writes \u001f in lowercase and \b, \f as such; the payload below only rewrites \n, \r, \t).
SUSPICIOUS = (",}", ",]", ", }", ", ]", "\\u000", "\\u001", "\\b", "\\f")
TEMP_TABLES = ("ingest_parsed", "ingest_fast", "ingest_keep")


@dataclass(frozen=True)
class Rules:
    """The constants of the normalisation rule (from ``engine.records``/``engine.importers``)."""

    roles: tuple[str, ...]
    whitespace: str
    """Every character Python's ``str.strip()`` removes."""
    scaffolding_keys: tuple[str, ...]
    sharegpt_roles: dict[str, str]


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _list(items: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(_lit(i) for i in items) + "]"


def _ws_class(whitespace: str) -> str:
    return "[" + "".join(f"\\x{{{ord(c):x}}}" for c in whitespace) + "]"


def _strip(expr: str, rules: Rules) -> str:
    """``expr.strip()`` as Python does it; the trim only runs where an end is whitespace."""
    cls = _ws_class(rules.whitespace)
    return (
        f"CASE WHEN regexp_matches({expr}, '^{cls}') OR regexp_matches({expr}, '{cls}$') "
        f"THEN trim({expr}, {_lit(rules.whitespace)}) ELSE {expr} END"
    )


def _all(list_expr: str, predicate: str) -> str:
    """Every element satisfies the predicate (an unknown, NULL, answer counts as no)."""
    return (
        f"coalesce(list_bool_and(list_transform({list_expr}, "
        f"lambda t: coalesce(({predicate}), false))), true)"
    )


def _escape(expr: str) -> str:
    """A JSON string literal of ``expr`` as Python's ``json.dumps(ensure_ascii=False)`` writes
    it, for text without control characters other than newline, return and tab."""
    chain = expr
    for char, escaped in (("'\\'", "'\\\\'"), ("'\"'", "'\\\"'"), ("chr(10)", "'\\n'")):
        chain = f"replace({chain}, {char}, {escaped})"
    chain = f"replace(replace({chain}, chr(13), '\\r'), chr(9), '\\t')"
    return f"'\"' || {chain} || '\"'"


def fast_path_sql(rules: Rules, fmt: str | None) -> list[str]:
    """Statements: ``ingest_lines(line_no, raw)`` -> ``ingest_fast`` candidates.

    Each line is parsed twice at most (its keys, then its messages): every JSON function call
    parses its document again, so the plan avoids calling them per message.
    """
    suspicious = " OR ".join(f"contains(raw, {_lit(s)})" for s in SUSPICIOUS)
    sk = _list(list(rules.scaffolding_keys))
    detect = (
        f"CASE WHEN list_contains(keys, 'messages') THEN "
        f"CASE WHEN list_has_any(keys, {sk}) THEN 'scaffolding' ELSE 'messages' END "
        "WHEN list_contains(keys, 'conversation') THEN 'lmsys' "
        "WHEN list_contains(keys, 'conversations') THEN 'sharegpt' "
        "WHEN list_contains(keys, 'context') AND list_contains(keys, 'response') "
        "THEN 'prosocial' END"
    )
    fmt_expr = _lit(fmt) if fmt else detect
    typed = '{"messages": [{"role": "VARCHAR", "content": "JSON"}]}'
    from_keys = list(rules.sharegpt_roles)
    from_roles = [rules.sharegpt_roles[k] for k in from_keys]
    turn_content = _strip("(t->>'$.content')", rules)
    lmsys_keep = (
        "json_type(t) = 'OBJECT' AND json_type(t, '$.role') = 'VARCHAR' "
        "AND (t->>'$.role') IN ('user', 'assistant') AND json_type(t, '$.content') = 'VARCHAR' "
        f"AND {turn_content} <> ''"
    )
    lines = "ingest_parsed p JOIN ingest_lines l USING (line_no)"
    stripped = _strip("t.text", rules)
    is_text = _all("ms", "t.role IS NOT NULL AND starts_with(t.content::VARCHAR, '\"')")
    escaped = _escape("t.content")
    return [
        f"""
CREATE OR REPLACE TEMP TABLE ingest_parsed AS
WITH parsed AS MATERIALIZED (
    SELECT line_no, try(json_keys(raw)) AS keys FROM ingest_lines
    WHERE starts_with(raw, '{{') AND NOT ({suspicious})
)
SELECT line_no, {fmt_expr} AS fmt, len(keys) AS nkeys
FROM parsed
WHERE keys IS NOT NULL AND len(keys) = len(list_distinct(keys))
""",
        f"""
CREATE OR REPLACE TEMP TABLE ingest_fast AS
WITH converted AS MATERIALIZED (
SELECT line_no, fmt, try(from_json(l.raw, '{typed}')).messages AS ms,
       CASE WHEN nkeys > 1 THEN json_merge_patch(l.raw, '{{"messages": null}}') END AS meta
FROM {lines} WHERE fmt IN ('messages', 'scaffolding')
UNION ALL
SELECT line_no, fmt, list_transform(kept, lambda t: struct_pack(
           role := t->>'$.role', content := t->'$.content')) AS ms,
       CASE WHEN len(kept) = len(turns) THEN meta
            ELSE json_merge_patch(coalesce(meta, '{{}}'),
                                  json_object('dropped_turns', len(turns) - len(kept)))
       END AS meta
FROM (
    SELECT line_no, fmt, turns, list_filter(turns, lambda t: {lmsys_keep}) AS kept, meta
    FROM (SELECT line_no, fmt, try(from_json(l.raw, '{{"conversation": ["JSON"]}}'))
                     .conversation AS turns,
                 CASE WHEN nkeys > 1 THEN json_merge_patch(l.raw, '{{"conversation": null}}')
                 END AS meta
          FROM {lines} WHERE fmt = 'lmsys')
)
UNION ALL
SELECT line_no, fmt, list_transform(turns, lambda t: struct_pack(
           role := {_list(from_roles)}[list_position({_list(from_keys)}, lower(t->>'$.from'))],
           content := t->'$.value')) AS ms, meta
FROM (SELECT line_no, fmt, try(from_json(l.raw, '{{"conversations": ["JSON"]}}'))
                 .conversations AS turns,
             CASE WHEN nkeys > 1 THEN json_merge_patch(l.raw, '{{"conversations": null}}')
             END AS meta
      FROM {lines} WHERE fmt = 'sharegpt')
WHERE {_all("turns", "json_type(t) = 'OBJECT'")}
  AND {_all("turns", "json_type(t, '$.from') = 'VARCHAR'")}
  AND {_all("turns", f"list_contains({_list(from_keys)}, lower(t->>'$.from'))")}
UNION ALL
SELECT line_no, fmt, [struct_pack(role := 'user', content := j->'$.context'),
                      struct_pack(role := 'assistant', content := j->'$.response')] AS ms,
       CASE WHEN nkeys > 2 THEN json_merge_patch(j, '{{"context": null, "response": null}}')
       END AS meta
FROM (SELECT line_no, fmt, nkeys, l.raw::JSON AS j FROM {lines} WHERE fmt = 'prosocial')
), decoded AS MATERIALIZED (
    SELECT line_no, fmt, meta, list_transform(ms, lambda t: struct_pack(
               role := t.role, js := t.content::VARCHAR, text := t.content->>'$')) AS ms
    FROM converted
    WHERE ms IS NOT NULL AND len(ms) >= 2 AND {is_text}
), normalised AS MATERIALIZED (
    SELECT line_no, fmt, meta, list_transform(ms, lambda t: struct_pack(
               role := t.role, js := t.js, text := t.text, content := {stripped})) AS msgs
    FROM decoded
)
SELECT line_no, fmt, meta,
       list_transform(msgs, lambda t: struct_pack(role := t.role, content := t.content)) AS msgs,
       sha256('[' || array_to_string(list_transform(msgs, lambda t: '{{"content": ' ||
           CASE WHEN t.content = t.text THEN t.js ELSE {escaped} END
           || ', "role": "' || t.role || '"}}'), ', ') || ']') AS hash,
       list_filter(msgs, lambda t: t.role = 'user')[1].content AS first_user,
       list_sum(list_transform(msgs, lambda t: length(t.content)))::INTEGER AS chars
FROM normalised
WHERE {_all("msgs", f"t.role IN {tuple(rules.roles)!r} AND t.content <> ''")}
  AND list_contains(list_transform(msgs, lambda t: t.role), 'assistant')
""",
    ]


def stage_lines(con: duckdb.DuckDBPyConnection, lines: Any, rules: Rules, fmt: str | None) -> None:
    """Run the fast path over an Arrow table ``(line_no, raw)``."""
    con.register("ingest_lines", lines)
    try:
        for statement in fast_path_sql(rules, fmt):
            con.execute(statement)
    finally:
        con.unregister("ingest_lines")


def slow_lines(con: duckdb.DuckDBPyConnection, lines: Any) -> list[tuple[int, str]]:
    """The lines of the batch the fast path did not take, for the Python path."""
    con.register("ingest_lines", lines)
    try:
        return con.execute(
            "SELECT line_no, raw FROM ingest_lines ANTI JOIN ingest_fast USING (line_no) "
            "ORDER BY line_no"
        ).fetchall()
    finally:
        con.unregister("ingest_lines")


def first_users_for_python(con: duckdb.DuckDBPyConnection) -> list[tuple[int, str]]:
    """``(line_no, first user message)`` where it is not ASCII: Python lowercases those for the
    MD5 key (DuckDB's lower() differs from Python's outside ASCII)."""
    return con.execute(
        "SELECT line_no, first_user FROM ingest_fast WHERE strlen(first_user) <> length(first_user)"
    ).fetchall()


def insert_batch(
    con: duckdb.DuckDBPyConnection,
    python_rows: Any,
    user_keys: Any,
    *,
    source: str,
    import_id: int,
    key_column: str,
    scope_source: bool,
    imported_at: Any,
) -> tuple[int, int]:
    """Insert the batch's candidates that are new; returns (candidates, inserted).

    Candidates are the fast path's (``ingest_fast``, with ``user_keys(line_no, user_md5)``
    for the first users Python lowercased) and the Python path's (``python_rows``). A
    candidate is a duplicate when an earlier line of the batch, or a stored record (of the
    same source when ``scope_source``), has the same key; NULL keys (no user message under
    the first-user rule) never are. The duplicates are found on the narrow key columns, and
    the new records get ids in line order.
    """
    if key_column not in ("hash", "user_md5"):
        raise ValueError(f"unknown key column {key_column!r}")
    user_md5 = (
        "CASE WHEN f.first_user IS NULL THEN NULL "
        "WHEN strlen(f.first_user) = length(f.first_user) THEN md5(lower(f.first_user)) "
        "ELSE u.user_md5 END"
    )
    candidates = f"""
        SELECT f.line_no, f.fmt, f.msgs, f.meta, f.hash, {user_md5} AS user_md5, f.chars
        FROM ingest_fast f LEFT JOIN ingest_user_keys u USING (line_no)
        UNION ALL
        SELECT line_no, fmt, msgs, meta::JSON, hash, user_md5, chars FROM ingest_python
    """
    key = "hash" if key_column == "hash" else user_md5
    scope = "AND r.source = ?" if scope_source else ""
    con.register("ingest_python", python_rows)
    con.register("ingest_user_keys", user_keys)
    try:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE ingest_keep AS
            SELECT line_no, row_number() OVER (ORDER BY line_no) AS rn FROM (
                SELECT line_no, k FROM (
                    SELECT f.line_no, {key if key_column == "user_md5" else "f.hash"} AS k
                    FROM ingest_fast f LEFT JOIN ingest_user_keys u USING (line_no)
                    UNION ALL SELECT line_no, {key_column} FROM ingest_python
                ) c
                WHERE k IS NULL OR NOT EXISTS
                    (SELECT 1 FROM records r WHERE r.{key_column} = c.k {scope})
                QUALIFY k IS NULL OR row_number() OVER (PARTITION BY k ORDER BY line_no) = 1
            )
            """,
            [source] if scope_source else [],
        )
        ((total,),) = con.execute(
            "SELECT (SELECT count(*) FROM ingest_fast) + (SELECT count(*) FROM ingest_python)"
        ).fetchall()
        ((keep,),) = con.execute("SELECT count(*) FROM ingest_keep").fetchall()
        if keep:
            base = _reserve_ids(con, int(keep))
            con.execute(
                f"""
                INSERT INTO records
                SELECT ? + k.rn - 1, ?, ?, c.line_no, c.hash, c.user_md5, len(c.msgs), c.chars,
                       (c.chars + 3) // 4,
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
                       c.msgs, c.meta, ?, c.fmt
                FROM ({candidates}) c JOIN ingest_keep k USING (line_no)
                """,
                [base, source, import_id, imported_at],
            )
    finally:
        con.unregister("ingest_python")
        con.unregister("ingest_user_keys")
    return int(total), int(keep)


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
    con.register("ingest_rows", packed)
    try:
        return con.sql(
            "SELECT line_no, to_json(row)::VARCHAR AS raw FROM ingest_rows ORDER BY line_no"
        ).to_arrow_table()
    finally:
        con.unregister("ingest_rows")


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


def drop_temp(con: duckdb.DuckDBPyConnection) -> None:
    for name in TEMP_TABLES:
        con.execute(f"DROP TABLE IF EXISTS {name}")

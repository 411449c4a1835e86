"""Record queries: keyset pages, filters, literal and regex search."""

from __future__ import annotations

import json
from pathlib import Path

from engine.importers import import_file
from engine.workspace import Workspace
from store import records as store_records
from store.records import RecordFilter
from tests.data.cases import lines


def _import(ws: Workspace, tmp_path: Path, texts: list[str]) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(
        "".join(
            json.dumps({"messages": [{"role": "user", "content": t},
                                     {"role": "assistant", "content": "ok"}]}) + "\n"
            for t in texts
        )
    )  # fmt: skip
    import_file(ws.db, path, log=False)


def test_search_is_literal_unless_a_regex(workspace: Workspace, tmp_path: Path) -> None:
    _import(workspace, tmp_path, ["50% off", "50 apples", "a_b", "axb", "Back\\slash"])
    with workspace.db.connect() as con:

        def hits(text: str, regex: bool = False) -> list[str]:
            flt = RecordFilter(search=text, regex=regex)
            return [r.first_user for r in store_records.page(con, flt)]

        assert hits("50%") == ["50% off"]
        assert hits("a_b") == ["a_b"]
        assert hits("k\\s") == ["Back\\slash"]
        assert hits("BACK") == ["Back\\slash"]
        assert hits("^a.b$", regex=True) == ["a_b", "axb"]
        assert hits("^50 ", regex=True) == ["50 apples"]


def test_keyset_pages(workspace: Workspace, tmp_path: Path) -> None:
    _import(workspace, tmp_path, [f"record {i}" for i in range(25)])
    with workspace.db.connect() as con:
        first = store_records.page(con, limit=10)
        second = store_records.page(con, after_id=first[-1].id, limit=10)
        back = store_records.page(con, before_id=second[0].id, limit=10)
        last = store_records.page(con, from_end=True, limit=10)
        filtered = store_records.page(con, RecordFilter(min_turns=2, max_turns=2), limit=100)
    assert [r.id for r in back] == [r.id for r in first]
    assert [r.first_user for r in second][:2] == ["record 10", "record 11"]
    assert [r.first_user for r in last][-1] == "record 24" and len(last) == 10
    assert len(filtered) == 25


def _ilike_ids(con, text: str) -> list[int]:  # type: ignore[no-untyped-def]
    """Records with a message that ILIKE finds the text in (the search before search_text)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = con.execute(
        "SELECT id FROM records WHERE len(list_filter(messages, "
        "lambda m: m.content ILIKE ? ESCAPE '\\')) > 0 ORDER BY id",
        [f"%{escaped}%"],
    ).fetchall()
    return [r[0] for r in rows]


def test_search_finds_what_ilike_over_every_message_finds(
    workspace: Workspace, tmp_path: Path
) -> None:
    """The search column (contents lowercased, joined by a separator) against ILIKE per
    message, on every case, for text in any case, across message ends, and with the
    separator itself (which falls back to ILIKE)."""
    path = tmp_path / "cases.jsonl"
    path.write_bytes(b"\n".join(lines()) + b"\n")
    import_file(workspace.db, path, log=False)
    needles = [
        "cat", "CAT", "i has", "ΟΔΟΣ", "οδοσ", "ς", "İSTANBUL", "istanbul", "café", "CAFÉ",
        "中文", "😀", "50%", "a_b", "\\", '"', "padded", "\t", "tab\tnew", "ideographic",
        "name?\nyou", "?you", "what is its name?", "hi", "b", "\x00", "x\x00y", "\x1f",
    ]  # fmt: skip
    with workspace.db.connect() as con:
        for needle in needles:
            flt = RecordFilter(search=needle)
            want = _ilike_ids(con, needle)
            assert store_records.count(con, flt) == len(want), needle
            assert [r.id for r in store_records.page(con, flt, limit=1000)] == want, needle


def test_workspaces_from_before_the_search_column_get_it(tmp_path: Path) -> None:
    """Migration 0008 adds records.search_text and fills it for the records already there."""
    import duckdb

    from store.migrations import MIGRATIONS, apply_migrations

    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    apply_migrations(con, MIGRATIONS[:7])
    con.execute(
        "INSERT INTO records (id, source, hash, messages) VALUES "
        "(1, 's', 'h1', [{'role': 'user', 'content': 'Hello THERE'}, "
        "{'role': 'assistant', 'content': 'General Kenobi'}])"
    )
    assert apply_migrations(con) == ["0008_records_search_text"]
    assert con.execute("SELECT search_text FROM records").fetchall() == [
        ("hello there\x00general kenobi",)
    ]
    assert store_records.count(con, RecordFilter(search="there general")) == 0
    assert store_records.count(con, RecordFilter(search="THERE")) == 1
    con.close()

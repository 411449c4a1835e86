"""Record queries: keyset pages, filters, literal and regex search."""

from __future__ import annotations

import json
from pathlib import Path

from engine.importers import import_file
from engine.workspace import Workspace
from store import records as store_records
from store.records import RecordFilter


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

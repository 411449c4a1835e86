"""The bulk importer (DuckDB plus hashlib) gives exactly what the plain Python rule gives."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from engine.importers import import_file
from engine.records import dedup_key, first_user_md5, normalise_messages
from engine.workspace import Workspace
from store import records as store_records
from tests.data.cases import OBJECTS, lines
from tests.data.reference import reference_import


def test_dedup_key_is_the_original_rule_computed_by_hand() -> None:
    messages = [
        {"role": "user", "content": "  I go to Rome last year. ", "name": "x"},
        {"role": "assistant", "content": "Rome! \u00bfQu\u00e9 viste? 中文"},
    ]
    by_hand = (
        '[{"content": "I go to Rome last year.", "role": "user"}, '
        '{"content": "Rome! \u00bfQu\u00e9 viste? 中文", "role": "assistant"}]'
    )
    expected = hashlib.sha256(by_hand.encode("utf-8")).hexdigest()
    assert dedup_key(normalise_messages(messages)) == expected
    assert (
        first_user_md5(normalise_messages(messages))
        == hashlib.md5(b"i go to rome last year.").hexdigest()
    )


def _stored(ws: Workspace) -> dict[int, dict]:
    with ws.db.connect() as con:
        ids = [r.id for r in store_records.page(con, limit=10_000)]
        rows = [store_records.get(con, i) for i in ids]
    return {r["line_no"]: r for r in rows if r is not None}


@pytest.mark.parametrize("dedup", ["source", "first-user-md5"])
def test_bulk_import_equals_the_python_rule(workspace: Workspace, tmp_path: Path, dedup) -> None:
    data = lines()
    path = tmp_path / "cases.jsonl"
    path.write_bytes(b"\n".join(data) + b"\n")
    summary = import_file(workspace.db, path, dedup=dedup)
    expected = reference_import(data, key="user_md5" if dedup == "first-user-md5" else "hash")

    assert summary.lines == len(data)
    assert summary.accepted + summary.duplicates + summary.rejected_total == summary.lines
    assert summary.accepted == len(expected.accepted)
    assert summary.duplicates == len(expected.duplicates)
    with workspace.db.connect() as con:
        rejects = {r[2]: r[3] for r in store_records.rejects(con, limit=10_000)}
    assert rejects == expected.rejected
    stored = _stored(workspace)
    assert sorted(stored) == sorted(expected.accepted)
    for line_no, want in expected.accepted.items():
        got = stored[line_no]
        got_view = {k: got[k] for k in want if k != "fmt"}
        got_view["messages"] = [dict(m) for m in got["messages"]]
        assert got_view == {k: v for k, v in want.items() if k != "fmt"}, f"line {line_no}"
    assert sum(summary.formats.values()) == summary.accepted


def test_the_fast_path_takes_the_ordinary_lines(workspace: Workspace, tmp_path: Path) -> None:
    """Clean records never need the Python path (which is what makes the import fast)."""
    from engine import importers

    calls: list[int] = []
    real = importers.python_line

    def counting(line_no: int, text: str, fmt):  # type: ignore[no-untyped-def]
        calls.append(line_no)
        return real(line_no, text, fmt)

    path = tmp_path / "clean.jsonl"
    clean = [OBJECTS[i] for i in (0, 1, 2, 3, 5, 6, 9, 10, 11, 12, 13, 24, 30, 31)]
    clean += [OBJECTS[i] for i in (32, 33, 36, 37, 38, 43)]  # LMSYS, ShareGPT, Prosocial
    text = "\n".join(json.dumps(o) for o in clean) + "\n"
    path.write_text(text + text.replace("{", "{ ", 3), encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(importers, "python_line", counting)
        summary = import_file(workspace.db, path)
    assert (summary.accepted, summary.duplicates, calls) == (20, 20, [])

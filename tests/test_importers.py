"""Importing files into the record index, with every line accounted for."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from engine.importers import import_file, source_name
from engine.workspace import Workspace
from store import records as store_records

GOOD = {
    "messages": [
        {"role": "user", "content": "I has a cat."},
        {"role": "assistant", "content": "You have a cat? What is its name?"},
    ]
}


def write_lines(path: Path, lines: list[str | bytes]) -> Path:
    data = b"".join((x if isinstance(x, bytes) else x.encode()) + b"\n" for x in lines)
    path.write_bytes(data)
    return path


def test_every_format_is_detected_and_converted(workspace: Workspace, tmp_path: Path) -> None:
    lines = [
        json.dumps(GOOD),
        json.dumps(
            {
                "l1_background": "Korean",
                "proficiency": "beginner",
                "error_type": "x",
                "messages": [
                    {"role": "user", "content": "a1"},
                    {"role": "assistant", "content": "b1"},
                ],
            }
        ),
        json.dumps(
            {
                "conversation": [
                    {"role": "user", "content": "a2"},
                    {"role": "assistant", "content": "b2"},
                ],
                "language": "en",
            }
        ),
        json.dumps(
            {"conversations": [{"from": "human", "value": "a3"}, {"from": "gpt", "value": "b3"}]}
        ),
        json.dumps({"context": "a4", "response": "b4"}),
    ]
    summary = import_file(workspace.db, write_lines(tmp_path / "mixed.jsonl", lines))
    assert summary.accepted == 5
    assert dict(summary.formats) == {
        "messages": 1,
        "scaffolding": 1,
        "lmsys": 1,
        "sharegpt": 1,
        "prosocial": 1,
    }
    with workspace.db.connect() as con:
        rows = store_records.page(con, limit=10)
        scaffolding = store_records.get(con, rows[1].id)
    assert scaffolding is not None
    assert scaffolding["metadata"] == {
        "l1_background": "Korean",
        "proficiency": "beginner",
        "error_type": "x",
    }
    assert [m["content"] for m in scaffolding["messages"]] == ["a1", "b1"]


def test_every_line_is_accounted_for(workspace: Workspace, tmp_path: Path) -> None:
    lines: list[str | bytes] = [
        json.dumps(GOOD),
        json.dumps(GOOD),  # duplicate
        "{broken json",  # invalid_json
        b'{"messages": "\xff\xfe"}',  # invalid_utf8
        "",  # blank_line
        "[1, 2]",  # not_an_object
        json.dumps({"text": "hello"}),  # unknown_format
        json.dumps(
            {"messages": [{"role": "bot", "content": "x"}, {"role": "user", "content": "y"}]}
        ),  # bad_role
        json.dumps(
            {"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": ""}]}
        ),  # empty_content
        json.dumps({"messages": [{"role": "user", "content": "x"}]}),  # too_few_messages
        json.dumps(
            {"messages": [{"role": "user", "content": "x"}, {"role": "user", "content": "y"}]}
        ),  # no_assistant_turn
        json.dumps({"context": "valid", "response": "neighbour"}),
    ]
    summary = import_file(workspace.db, write_lines(tmp_path / "bad.jsonl", lines))
    assert summary.lines == len(lines)
    assert summary.accepted + summary.duplicates + summary.rejected_total == summary.lines
    assert summary.accepted == 2 and summary.duplicates == 1
    assert dict(summary.rejected) == {
        "invalid_json": 1,
        "invalid_utf8": 1,
        "blank_line": 1,
        "not_an_object": 1,
        "unknown_format": 1,
        "bad_role": 1,
        "empty_content": 1,
        "too_few_messages": 1,
        "no_assistant_turn": 1,
    }
    with workspace.db.connect() as con:
        rejects = store_records.rejects(con)
    assert [(r[2], r[3]) for r in rejects][:2] == [(3, "invalid_json"), (4, "invalid_utf8")]
    assert all(r[1].endswith("bad.jsonl") for r in rejects)


def test_dedup_is_within_source_unless_asked(workspace: Workspace, tmp_path: Path) -> None:
    path = write_lines(tmp_path / "a.jsonl", [json.dumps(GOOD)])
    assert import_file(workspace.db, path, source="one").accepted == 1
    assert import_file(workspace.db, path, source="two").accepted == 1
    assert import_file(workspace.db, path, source="one").duplicates == 1
    assert import_file(workspace.db, path, source="three", dedup="cross-source").duplicates == 1


def test_first_user_md5_dedup(workspace: Workspace, tmp_path: Path) -> None:
    other = {
        "messages": [
            {"role": "user", "content": "  i HAS a cat. "},
            {"role": "assistant", "content": "A different answer."},
        ]
    }
    path = write_lines(tmp_path / "u.jsonl", [json.dumps(GOOD), json.dumps(other)])
    assert import_file(workspace.db, path, dedup="first-user-md5").duplicates == 1
    assert import_file(workspace.db, path, source="plain").duplicates == 0


def test_gzip_and_source_names(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "TOEFL Superset.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps(GOOD) + "\n")
    summary = import_file(workspace.db, path)
    assert (summary.source, summary.accepted) == ("toefl-superset", 1)
    assert source_name(Path("x/Data_v2.json")) == "data_v2"


@pytest.mark.parametrize("workers", [1, 2])
def test_interrupted_import_leaves_the_index_unchanged(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    import engine.import_readers as readers

    monkeypatch.setattr(readers, "CHUNK_BYTES", 4096)  # rows reach the table before the stop
    big = write_lines(
        tmp_path / "big.jsonl",
        [json.dumps({"context": f"q{i}", "response": "a"}) for i in range(2500)],
    )

    def interrupt(done: float, total: float) -> None:
        if done > 20_000:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_file(workspace.db, big, on_progress=interrupt, workers=workers)
    with workspace.db.connect() as con:
        assert store_records.count(con) == 0
        assert con.execute("SELECT count(*) FROM imports").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM rejects").fetchone() == (0,)
    assert import_file(workspace.db, big, workers=workers).accepted == 2500


def test_should_stop_cancels_an_import_in_worker_processes(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import engine.import_readers as readers
    from engine.importers import ImportCancelled

    monkeypatch.setattr(readers, "CHUNK_BYTES", 4096)
    big = write_lines(
        tmp_path / "big.jsonl",
        [json.dumps({"context": f"q{i}", "response": "a"}) for i in range(2500)],
    )
    calls: list[float] = []
    with pytest.raises(ImportCancelled):
        import_file(
            workspace.db,
            big,
            workers=2,
            on_progress=lambda done, total: calls.append(done),
            should_stop=lambda: len(calls) >= 2,
        )
    with workspace.db.connect() as con:
        assert store_records.count(con) == 0
        assert con.execute("SELECT count(*) FROM imports").fetchone() == (0,)

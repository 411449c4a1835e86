"""Every input kind, with every line accounted for: accepted + duplicates + rejected = lines."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from engine.importers import import_file
from engine.workspace import Workspace
from store import records as store_records
from tests.data.cases import lines
from tests.data.reference import reference_import

GOOD = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
ROWS = [
    GOOD,
    GOOD,  # duplicate
    {"messages": [{"role": "bot", "content": "x"}, {"role": "assistant", "content": "y"}]},
    {"messages": [{"role": "user", "content": " "}, {"role": "assistant", "content": "y"}]},
    {"messages": [{"role": "user", "content": "only"}]},
    {"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]},
    {"messages": None},
    {"messages": [{"role": "user", "content": "second"}, {"role": "assistant", "content": "ok"}]},
]
ROW_REASONS = {
    "bad_role": 1,
    "empty_content": 1,
    "too_few_messages": 1,
    "no_assistant_turn": 1,
    "no_messages": 1,
}


def accounted(summary) -> bool:  # type: ignore[no-untyped-def]
    return summary.accepted + summary.duplicates + summary.rejected_total == summary.lines


def test_gzip_jsonl_with_every_bad_line(workspace: Workspace, tmp_path: Path) -> None:
    data = lines()
    path = tmp_path / "cases.jsonl.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(b"\n".join(data))  # no newline after the last line
    summary = import_file(workspace.db, path)
    expected = reference_import(data)
    assert summary.kind == "jsonl" and summary.lines == len(data) and accounted(summary)
    assert summary.accepted == len(expected.accepted)
    assert dict(summary.rejected) == {
        r: list(expected.rejected.values()).count(r) for r in set(expected.rejected.values())
    }


def test_json_array(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "array.json"
    path.write_text(json.dumps([*ROWS, [1], "text"], indent=2), encoding="utf-8")
    summary = import_file(workspace.db, path)
    assert summary.kind == "json" and summary.lines == len(ROWS) + 2 and accounted(summary)
    assert (summary.accepted, summary.duplicates) == (2, 1)
    assert dict(summary.rejected) == {**ROW_REASONS, "not_an_object": 2}
    with workspace.db.connect() as con:
        rejects = store_records.rejects(con)
    assert [r[2] for r in rejects] == [3, 4, 5, 6, 7, 9, 10]  # element numbers


def test_json_array_broken_part_way(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("[" + json.dumps(GOOD) + ",\n {broken}, " + json.dumps(ROWS[7]) + "]")
    summary = import_file(workspace.db, path)
    assert (summary.lines, summary.accepted, dict(summary.rejected)) == (2, 1, {"invalid_json": 1})
    with workspace.db.connect() as con:
        (reject,) = store_records.rejects(con)
    assert reject[2] == 2 and "line 2 column 3" in reject[4]


def test_parquet_rows(workspace: Workspace, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "rows.parquet"
    table = pa.Table.from_pylist([{**r, "id": i} for i, r in enumerate(ROWS)])
    pq.write_table(table, path, row_group_size=3)
    summary = import_file(workspace.db, path, source="pq")
    assert summary.kind == "parquet" and summary.lines == len(ROWS) and accounted(summary)
    assert (summary.accepted, summary.duplicates) == (2, 1)
    assert dict(summary.rejected) == ROW_REASONS
    with workspace.db.connect() as con:
        rows = store_records.page(con, limit=10)
        second = store_records.get(con, rows[1].id)
        rejects = store_records.rejects(con)
    assert second is not None and second["line_no"] == 8 and second["metadata"] == {"id": 7}
    assert [r[2] for r in rejects] == [3, 4, 5, 6, 7]


def test_datasets_saved_on_disk(workspace: Workspace, tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    rows = [
        {"conversations": [{"from": "human", "value": f"q{i}"}, {"from": "gpt", "value": "a"}]}
        for i in range(5)
    ]
    rows.append({"conversations": [{"from": "alien", "value": "q"}, {"from": "gpt", "value": "a"}]})
    folder = tmp_path / "magpie"
    datasets.DatasetDict({"train": datasets.Dataset.from_list(rows)}).save_to_disk(str(folder))
    summary = import_file(workspace.db, folder)
    assert summary.kind == "datasets" and summary.source == "magpie"
    assert (summary.lines, summary.accepted, dict(summary.rejected)) == (6, 5, {"bad_role": 1})
    assert dict(summary.formats) == {"sharegpt": 5}


def test_format_can_be_forced(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "scaffolding.jsonl"
    record = {"l1_background": "Korean", **GOOD}
    path.write_text(json.dumps(record) + "\n" + json.dumps({"context": "a", "response": "b"}))
    forced = import_file(workspace.db, path, fmt="messages", source="forced")
    assert dict(forced.formats) == {"messages": 1} and dict(forced.rejected) == {"no_messages": 1}
    detected = import_file(workspace.db, path, source="detected")
    assert dict(detected.formats) == {"scaffolding": 1, "prosocial": 1}
    with pytest.raises(ValueError, match="unknown format"):
        import_file(workspace.db, path, fmt="csv")


KILLED = textwrap.dedent(
    """
    import json, sys
    import engine.import_readers as readers
    from engine.workspace import Workspace
    from engine.importers import import_file
    readers.CHUNK_BYTES = 2048
    ws = Workspace.open(sys.argv[1])
    def progress(done, total):
        print("batch", flush=True)
        sys.stdin.readline()  # wait for the parent, which kills us here
    import_file(ws.db, sys.argv[2], on_progress=progress)
    """
)


def test_killed_import_leaves_the_store_consistent(workspace: Workspace, tmp_path: Path) -> None:
    big = tmp_path / "big.jsonl"
    big.write_text(
        "".join(json.dumps({"context": f"q{i}", "response": "a"}) + "\n" for i in range(500))
    )
    workspace.db.close()
    root = Path(__file__).resolve().parents[2]
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED, str(workspace.root), str(big)],
        cwd=root,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert child.stdout is not None and child.stdin is not None
    assert child.stdout.readline().strip() == b"batch"
    child.stdin.write(b"\n")
    child.stdin.flush()
    assert child.stdout.readline().strip() == b"batch"  # two batches are in the transaction
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    with workspace.db.connect() as con:
        assert store_records.count(con) == 0
        assert con.execute("SELECT count(*) FROM imports").fetchall() == [(0,)]
    again = import_file(workspace.db, big)
    assert (again.lines, again.accepted) == (500, 500)

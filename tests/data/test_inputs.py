"""Every input kind, with every line accounted for: accepted + duplicates + rejected = lines."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import engine.import_readers as readers
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


def _outcome(ws: Workspace, summary) -> tuple:  # type: ignore[no-untyped-def]
    with ws.db.connect() as con:
        rows = con.execute(
            "SELECT line_no, hash, user_md5, messages, metadata, format, flags FROM records "
            "WHERE import_id = ? ORDER BY id",
            [summary.import_id],
        ).fetchall()
        rejects = con.execute(
            "SELECT line_no, reason, detail, raw FROM rejects WHERE import_id = ? ORDER BY line_no",
            [summary.import_id],
        ).fetchall()
    counts = (summary.lines, summary.accepted, summary.duplicates, dict(summary.rejected))
    return counts, rows, rejects


def test_every_input_kind_gives_the_same_in_worker_processes(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """gzip JSONL (pieces sent to the workers), plain JSONL (byte ranges the workers read),
    JSON arrays and Parquet (texts sent to the workers): the same records, rejects (with line
    numbers, reasons and details) and counts with two workers as in this process."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    monkeypatch.setattr(readers, "CHUNK_BYTES", 1024)
    monkeypatch.setattr(readers, "ROW_BATCH", 7)
    data = lines()
    plain = tmp_path / "cases.jsonl"
    plain.write_bytes(b"\n".join(data))
    packed = tmp_path / "cases.jsonl.gz"
    with gzip.open(packed, "wb") as fh:
        fh.write(b"\n".join(data) + b"\n")
    array = tmp_path / "array.json"
    array.write_text(json.dumps([*ROWS * 5, [1], "text"], indent=1), encoding="utf-8")
    parquet = tmp_path / "rows.parquet"
    pq.write_table(pa.Table.from_pylist([{**r, "id": i} for i, r in enumerate(ROWS * 5)]), parquet)
    for path in (plain, packed, array, parquet):
        here = import_file(workspace.db, path, source=f"{path.name}-1", workers=1)
        there = import_file(workspace.db, path, source=f"{path.name}-2", workers=2)
        assert accounted(there)
        assert _outcome(workspace, here) == _outcome(workspace, there), path.name


def test_progress_is_reported_in_input_order(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readers, "CHUNK_BYTES", 1024)
    path = tmp_path / "cases.jsonl"
    path.write_bytes(b"\n".join(lines()) + b"\n")
    calls: list[tuple[float, float]] = []
    import_file(workspace.db, path, workers=2, on_progress=lambda d, t: calls.append((d, t)))
    assert len(calls) > 5
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert calls[-1] == (path.stat().st_size, path.stat().st_size)


KILLED_WITH_WORKERS = textwrap.dedent(
    """
    import multiprocessing, sys
    import engine.import_readers as readers
    from engine.workspace import Workspace
    from engine.importers import import_file
    readers.CHUNK_BYTES = 2048
    def progress(done, total):
        pids = [str(p.pid) for p in multiprocessing.active_children()]
        print("batch", " ".join(pids), flush=True)
        sys.stdin.readline()  # wait for the parent, which kills us here
    if __name__ == "__main__":
        ws = Workspace.open(sys.argv[1])
        import_file(ws.db, sys.argv[2], on_progress=progress, workers=2)
    """
)


def test_killed_import_with_workers_leaves_the_store_consistent(
    workspace: Workspace, tmp_path: Path
) -> None:
    """Kill the importing process: nothing of the import is kept, its worker processes exit,
    and the import can be run again."""
    big = tmp_path / "big.jsonl"
    big.write_text(
        "".join(json.dumps({"context": f"q{i}", "response": "a"}) + "\n" for i in range(500))
    )
    script = tmp_path / "killed.py"
    script.write_text(KILLED_WITH_WORKERS)
    workspace.db.close()
    root = Path(__file__).resolve().parents[2]
    child = subprocess.Popen(
        [sys.executable, str(script), str(workspace.root), str(big)],
        cwd=root,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert child.stdout is not None and child.stdin is not None
    first = child.stdout.readline().split()
    assert first[0] == b"batch"
    child.stdin.write(b"\n")
    child.stdin.flush()
    second = child.stdout.readline().split()
    assert second[0] == b"batch"
    workers = {int(p) for p in first[1:] + second[1:]}
    assert workers
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    deadline = time.monotonic() + 10
    while workers and time.monotonic() < deadline:
        for pid in list(workers):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                workers.discard(pid)
        time.sleep(0.1)
    assert not workers, "worker processes outlived the import"
    with workspace.db.connect() as con:
        assert store_records.count(con) == 0
        assert con.execute("SELECT count(*) FROM imports").fetchall() == [(0,)]
    again = import_file(workspace.db, big, workers=2)
    assert (again.lines, again.accepted) == (500, 500)

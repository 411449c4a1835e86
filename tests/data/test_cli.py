"""The data and mix commands, run in-process through ``main`` as a user types them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quimbot_tui.cli import main
from tests.data.cases import lines
from tests.data.conftest import write_source


def run(capsys: pytest.CaptureFixture[str], ws: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--workspace", str(ws), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_import_prints_the_accounting(tmp_path: Path, capsys) -> None:
    ws = tmp_path / "ws"
    path = tmp_path / "cases.jsonl"
    path.write_bytes(b"\n".join(lines()) + b"\n")
    code, out, _ = run(capsys, ws, "data", "import", str(path), "--source", "cases")
    assert code == 0
    assert "-> cases:" in out and "accepted" in out and "duplicates" in out
    assert "rejected: bad_role" in out or "rejected: bad_message" in out
    assert "invalid_json" in out
    code, out, _ = run(capsys, ws, "data", "import", str(path), "--json", "--source", "cases")
    summary = json.loads(out)
    assert summary["accepted"] == 0 and summary["duplicates"] > 0

    code, out, _ = run(capsys, ws, "data", "rejects", "--reason", "bad_role", "--raw")
    assert code == 0 and "cases.jsonl:" in out and "bad_role" in out
    assert "invalid_json" not in out
    code, out, _ = run(capsys, ws, "data", "stats", "--json")
    stats = json.loads(out)
    assert stats["sources"][0]["source"] == "cases" and stats["rejects"]["bad_role"] > 0


def test_import_errors_name_the_file(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, tmp_path / "ws", "data", "import", str(tmp_path / "missing.jsonl"))
    assert code == 1 and "missing.jsonl: no such file" in err


def test_export_check_and_mix_build(tmp_path: Path, capsys) -> None:
    ws = tmp_path / "ws"
    for name, n in (("toefl", 20), ("pilot", 2), ("lmsys", 60), ("magpie", 30), ("prosocial", 10)):
        run(capsys, ws, "data", "import", str(write_source(tmp_path, name, n)))
    late = tmp_path / "late.jsonl"
    late.write_text(json.dumps({"messages": [
        {"role": "user", "content": "q"}, {"role": "assistant", "content": "a"},
        {"role": "user", "content": "no answer"}]}) + "\n")  # fmt: skip
    run(capsys, ws, "data", "import", str(late), "--source", "toefl")

    code, out, _ = run(capsys, ws, "data", "check")
    assert code == 2 and "last_not_assistant: 1" in out
    code, out, _ = run(capsys, ws, "data", "check", "--source", "lmsys")
    assert code == 0

    out_file = tmp_path / "toefl.out.jsonl"
    code, out, _ = run(capsys, ws, "data", "export", "--source", "toefl", "--out", str(out_file))
    exported = [json.loads(x) for x in out_file.read_text().splitlines()]
    assert code == 0 and len(exported) == 21 and list(exported[0]) == ["messages"]

    code, out, _ = run(capsys, ws, "mix", "build", "stage1", "--out", str(tmp_path / "m"))
    assert code == 0 and "wrote 101 records" in out
    code, out, _ = run(
        capsys, ws, "mix", "build", "stage1", "--out", str(tmp_path / "m2"), "--exclude-failing"
    )
    assert "left out 1 records" in out and "wrote 97 records" in out
    manifest = json.loads((tmp_path / "m2" / "stage1_mix_v2_manifest.json").read_text())
    assert manifest["actual_counts"]["toefl"] == 20

    code, out, _ = run(capsys, ws, "mix", "plan", "stage1")
    assert code == 0 and "toefl" in out and "planned" in out


def test_mix_build_with_no_records_says_what_to_import(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, tmp_path / "ws", "mix", "build", "stage1")
    assert code == 1 and "no records for its sources" in err and "--source" in err


def test_synth_imports_new_dialogues_only(tmp_path: Path, capsys) -> None:
    ws = tmp_path / "ws"
    code, out, _ = run(capsys, ws, "data", "synth", "--count", "30", "--seed", "3",
                       "--l1", "Spanish", "--level", "beginner")  # fmt: skip
    assert code == 0 and "generated 30 new dialogues" in out and "30 accepted" in out
    code, out, _ = run(capsys, ws, "data", "synth", "--count", "30", "--seed", "3",
                       "--l1", "Spanish", "--level", "beginner", "--source", "again")  # fmt: skip
    assert "0 duplicates" in out  # the same seed, yet nothing the workspace already has
    code, out, _ = run(capsys, ws, "data", "synth", "--list")
    assert "L1 backgrounds" in out and "Spanish" in out
    code, _, err = run(capsys, ws, "data", "synth", "--l1", "Klingon")
    assert code == 1 and "unknown L1 background Klingon" in err


def test_bench_data_runs_and_prints_the_ratios(tmp_path: Path, capsys) -> None:
    code, out, _ = run(capsys, tmp_path / "ws", "bench", "data", "--records", "3000",
                       "--repeat", "1", "--dir", str(tmp_path))  # fmt: skip
    assert code == 0
    for label in ("naive loop", "import / naive loop", "page: first 100", "page: last 100",
                  "page: middle 100", "search: count every match", "mix build of",
                  "peak memory", "goals: import"):  # fmt: skip
        assert label in out, label

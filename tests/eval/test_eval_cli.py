"""``quimbot-tui eval`` as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.suites import load_suite
from engine.workspace import Workspace
from quimbot_tui.cli import main


def test_list_suites_runs_as_a_command() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "quimbot_tui", "eval", "--list-suites"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    for name in ("pedagogical", "dialogue", "baseline", "stress", "esl_grammar", "toefl_speaking"):
        assert f"\n{name}: " in "\n" + out
    assert "  - past_tense_weekend [esl, past_tense, multi-turn]" in out
    assert "key metrics: recast_of_error higher" in out


def test_list_metrics(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--list-metrics"]) == 0
    out = capsys.readouterr().out
    assert "recast_of_error [feedback, higher is better] (default)" in out
    assert "lexical_diversity [complexity]\n" in out


@pytest.mark.parametrize("name", ["mine.toml", "mine.yaml"])
def test_export_template_writes_a_suite_that_loads(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / name
    assert main(["eval", "--export-template", str(path)]) == 0
    suite = load_suite(str(path))
    assert [t.name for t in suite.tests] == ["test_1", "test_2"]
    assert suite.tests[1].correction == "went" and suite.key_metrics


def test_an_eval_writes_the_three_reports(
    eval_ws: Workspace, suite_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pirate = f"adapter:{eval_ws.runs_dir / 'pirate/final'}"
    common = ["--workspace", str(eval_ws.root), "eval", "--models", "base", pirate]
    common += ["--suite", str(suite_file), "--max-tokens", "12", "--quiet"]
    out = tmp_path / "r"
    args = ["--output", f"{out}.json", "--report", f"{out}.md", "--comparison", f"{out}.txt"]
    assert main([*common, *args]) == 0
    printed = capsys.readouterr().out
    assert "mini: 4 answers, 0 failed, 0 from the cache" in printed
    assert "pirate/final  ok 2/2" in printed and "ends_with_question 1.00 (+1.00)" in printed
    data = json.loads(Path(f"{out}.json").read_text())
    assert data["models"] == ["base", pirate] and len(data["results"]) == 4
    assert (
        "| Metric | Better | base | pirate/final | Δ pirate/final |"
        in Path(f"{out}.md").read_text()
    )
    assert Path(f"{out}.txt").read_text().startswith("Model comparison: mini")
    # again, into the workspace's evals/ folder by default, all from the cache
    assert main(common) == 0
    printed = capsys.readouterr().out
    assert "4 from the cache" in printed
    written = sorted(p.name for p in (eval_ws.root / "evals").iterdir())
    assert written == ["mini-0002.json", "mini-0002.md"]


def test_a_bad_model_spec_is_an_error(
    eval_ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--workspace", str(eval_ws.root), "eval", "--models", "adapter:/nowhere"])
    assert code == 1 and "not an adapter folder" in capsys.readouterr().err
    code = main(["--workspace", str(eval_ws.root), "eval"])
    assert code == 1 and "--models" in capsys.readouterr().err

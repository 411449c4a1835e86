"""The export gate: an adapter that scores below base on the suite's key metrics is blocked,
with the metric named; one that holds its own is exported with the verdict recorded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.eval.gate import compare_with_base, require_eval
from engine.eval.runner import EvalOptions
from engine.export import ExportBlocked
from engine.inference import GenerationSettings
from engine.workspace import Workspace
from quimbot_tui.cli import main
from store import activity as store_activity
from tests.eval.test_eval_reports import handmade_run

SHORT = EvalOptions(settings=GenerationSettings(max_new_tokens=16))


def test_an_adapter_below_base_is_blocked_and_the_metric_named(
    eval_ws: Workspace, suite_file: Path
) -> None:
    polite = f"adapter:{eval_ws.runs_dir / 'polite/final'}"
    with pytest.raises(ExportBlocked) as caught:
        require_eval(eval_ws, str(suite_file), polite, options=SHORT)
    message = str(caught.value)
    assert "blocked by ends_with_question" in message
    assert "ends_with_question: adapter 0.000, base 1.000 (higher is better): worse" in message


def test_an_adapter_that_holds_its_own_passes(eval_ws: Workspace, suite_file: Path) -> None:
    pirate = f"adapter:{eval_ws.runs_dir / 'pirate/final'}"
    result = require_eval(eval_ws, str(suite_file), pirate, options=SHORT)
    assert result.passed and result.checks[0].adapter == 1.0
    assert result.as_dict()["passed"] is True


def test_failed_answers_block_and_lower_is_better_is_honoured() -> None:
    run = handmade_run()  # the adapter's second answer failed
    result = compare_with_base(run, "adapter:/x/fine")
    assert not result.passed and result.blocked_by == ["failed answers"]
    run.results = [r for r in run.results if r.ok]
    run.key_metrics = {"word_count": "lower"}  # base answers are shorter
    result = compare_with_base(run, "adapter:/x/fine")
    assert result.blocked_by == ["word_count"]


def test_a_suite_without_key_metrics_cannot_gate(eval_ws: Workspace, tmp_path: Path) -> None:
    plain = tmp_path / "plain.toml"
    plain.write_text('[[tests]]\nname = "a"\nprompt = "hi"\n')
    with pytest.raises(ValueError, match="declares no key metrics"):
        require_eval(eval_ws, str(plain), "base", options=SHORT)


def test_export_cli_refuses_a_worse_adapter_and_exports_a_good_one(
    eval_ws: Workspace, suite_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--workspace", str(eval_ws.root), "export"]
    blocked_out = tmp_path / "blocked"
    polite = f"adapter:{eval_ws.runs_dir / 'polite/final'}"
    code = main([*base, polite, "--out", str(blocked_out), "--require-eval", str(suite_file)])
    err = capsys.readouterr().err
    assert code == 1 and "export blocked" in err and "ends_with_question" in err
    assert not blocked_out.exists()
    good_out = tmp_path / "good"
    pirate = f"adapter:{eval_ws.runs_dir / 'pirate/final'}"
    code = main([*base, pirate, "--out", str(good_out), "--require-eval", str(suite_file)])
    assert code == 0, capsys.readouterr().err
    gate = json.loads((good_out / "export.json").read_text())["gate"]
    assert gate["passed"] is True and gate["suite"] == "mini"
    with eval_ws.db.connect() as con:
        actions = [a["action"] for a in store_activity.recent(con)]
    assert actions.count("export.blocked") == 1 and actions.count("export") == 1

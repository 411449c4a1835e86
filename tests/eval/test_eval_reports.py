"""Reports: the sections the issue names, deterministic order, byte-identical output."""

from __future__ import annotations

import json
from pathlib import Path

from engine.eval import reports
from engine.eval.judge import load_rubric
from engine.eval.metrics import Item, compute
from engine.eval.results import EvalResult, EvalRun
from engine.eval.runner import EvalOptions, run_eval
from engine.workspace import Workspace
from tests.eval.fakes import FakeServer

CONVO = [{"role": "user", "content": "I go to the zoo yesterday."}]


def _result(model: str, test: str, response: str, **extra: object) -> EvalResult:
    r = EvalResult(model, model, test, "mini", CONVO, response=response, seconds=1.5)
    r.tokens, r.tokens_per_s, r.first_token_s = 10, 20.0, 0.1
    for k, v in extra.items():
        setattr(r, k, v)
    if r.ok:
        r.metrics = compute(
            Item(response, tuple(CONVO), error="go", correction="went"),
            ["ends_with_question", "recast_of_error", "word_count"],
        )
    return r


def handmade_run() -> EvalRun:
    run = EvalRun(
        suite="mini",
        models=["base", "adapter:/x/fine"],
        labels={"base": "base", "adapter:/x/fine": "fine"},
        tests=["t1", "t2"],
        settings={"temperature": 0.0, "max_new_tokens": 10},
        metrics=["word_count", "ends_with_question", "recast_of_error"],
        created_at="2026-01-01T00:00:00+00:00",
        key_metrics={"ends_with_question": "higher"},
        description="two tests",
    )
    run.results = [
        _result("base", "t1", "You go to the zoo."),
        _result("base", "t2", "Zoo."),
        _result("adapter:/x/fine", "t1", "You went to the zoo? What did you see?"),
        _result("adapter:/x/fine", "t2", "", error="HTTP 500: boom", seconds=0.2),
    ]
    for r in run.results:
        r.label = run.labels[r.model]
    return run


def test_markdown_has_every_section_in_order_with_deltas_against_base() -> None:
    text = reports.to_markdown(handmade_run())
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Summary",
        "## Performance per model",
        "## Metrics per model (means over successful answers, Δ against base)",
        "## Metrics per test",
        "## Responses",
        "## Errors",
    ]
    assert "| Metric | Better | base | fine | Δ fine |" in text
    assert "| ends_with_question (key) | higher | 0.00 | 1.00 | +1.00 |" in text
    assert "| fine | 2 | 50% | 0 | 1.50 | 0.100 | 20.0 | 10.0 |" in text
    assert "- Results: 4 (3 successful, 1 failed, 0 from the cache)" in text
    assert "### HTTP 500: boom\n\n- fine/t2" in text
    assert "> You went to the zoo? What did you see?" in text
    assert "**ERROR:** HTTP 500: boom" in text


def test_comparison_lists_each_test_and_model() -> None:
    text = reports.to_comparison(handmade_run())
    assert text.startswith("Model comparison: mini\nCreated: 2026-01-01T00:00:00+00:00\n")
    assert "TEST: t1\nPROMPT: I go to the zoo yesterday.\n" + "=" * 80 in text
    assert "[fine]\nTime: 1.50s | Speed: 20.0 tok/s | Tokens: 10\n" + "-" * 80 in text
    assert "ERROR: HTTP 500: boom" in text
    assert "fine  ok 1/2" in text


def test_reports_are_byte_identical_for_the_same_results() -> None:
    run = handmade_run()
    again = EvalRun.from_dict(json.loads(reports.to_json(run)))
    rubric = load_rubric()
    for render in (reports.to_json, reports.to_markdown, reports.to_comparison):
        assert render(run) == render(handmade_run()) == render(again)  # type: ignore[operator]
    assert reports.to_markdown(run, rubric, {}) == reports.to_markdown(again, rubric, {})
    data = json.loads(reports.to_json(run))
    assert data["results"][3]["success"] is False
    assert data["summary"]["adapter:/x/fine"]["success_rate"] == 0.5


def test_order_does_not_depend_on_which_answer_finished_first(
    workspace: Workspace, suite_file: Path, tmp_path: Path
) -> None:
    with FakeServer("openai") as server:
        server.replies |= {"slow": "Slow answer?", "fast": "Fast answer."}
        server.delays["slow"] = 0.4  # the first model finishes last
        specs = [f"openai:{server.url}#slow", f"openai:{server.url}#fast"]
        options = EvalOptions(workers=4, use_cache=False, record=False)
        first = run_eval(workspace, specs, str(suite_file), options)
        second = run_eval(workspace, specs, str(suite_file), options)
    assert [(r.label, r.test) for r in first.results] == [
        ("slow", "one_turn"),
        ("slow", "two_turns"),
        ("fast", "one_turn"),
        ("fast", "two_turns"),
    ]
    for a, b in zip(first.results, second.results, strict=True):
        assert (a.model, a.test, a.response, a.metrics) == (b.model, b.test, b.response, b.metrics)

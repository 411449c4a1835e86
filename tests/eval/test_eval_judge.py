"""Judging: the rubric, parsing verdicts, Cohen's kappa, and a run with a judge endpoint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.eval import reports
from engine.eval.judge import agreement, cohen_kappa, judge_messages, load_rubric, parse_verdict
from engine.eval.results import EvalResult
from engine.eval.runner import EvalOptions, run_eval
from engine.workspace import Workspace
from store import evals as store_evals
from tests.eval.fakes import FakeServer

VERDICT = {
    "mistake_identification": "yes",
    "providing_guidance": "to some extent",
    "actionability": "no",
    "coherence": "yes",
    "tutor_tone": "encouraging",
}


def test_the_rubric_has_the_mrbench_dimensions() -> None:
    rubric = load_rubric()
    assert [d.name for d in rubric.dimensions] == [
        "mistake_identification",
        "providing_guidance",
        "actionability",
        "coherence",
        "tutor_tone",
    ]
    assert rubric.dimension("tutor_tone").labels == ["encouraging", "neutral", "offensive"]
    assert rubric.scores["actionability"] == {"yes": 1.0, "to_some_extent": 0.5, "no": 0.0}


def test_the_judge_sees_the_conversation_the_answer_and_the_labels() -> None:
    result = EvalResult("m", "m", "t", "s", [{"role": "user", "content": "I go home."}])
    result.response = "You went home?"
    [system, user] = judge_messages(result, load_rubric())
    assert system["role"] == "system" and "JSON" in system["content"]
    assert (
        "Learner: I go home." in user["content"] and "<<<\nYou went home?\n>>>" in user["content"]
    )
    assert "yes | to_some_extent | no" in user["content"]


def test_verdicts_parse_leniently() -> None:
    rubric = load_rubric()
    labels, error = parse_verdict("Sure! " + json.dumps(VERDICT) + " Hope that helps.", rubric)
    assert error is None and labels["providing_guidance"] == "to_some_extent"
    assert len(labels) == 5
    labels, error = parse_verdict("mistake_identification: Partially\ntutor_tone: NEUTRAL", rubric)
    assert labels == {"mistake_identification": "to_some_extent", "tutor_tone": "neutral"}
    labels, error = parse_verdict('{"coherence": "banana"}', rubric)
    assert labels == {} and error is not None and "banana" in error


def test_cohen_kappa_on_known_tables() -> None:
    # 50 items: yes/yes 20, yes/no 5, no/yes 10, no/no 15 -> po 0.7, pe 0.5, kappa 0.4
    pairs = [("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10
    pairs += [("no", "no")] * 15
    assert cohen_kappa(pairs) == pytest.approx(0.4)
    assert cohen_kappa([("a", "a"), ("b", "b")]) == pytest.approx(1.0)
    assert cohen_kappa([("a", "b"), ("b", "a")]) == pytest.approx(-1.0)
    assert cohen_kappa([("a", "a"), ("a", "a")]) is None  # undefined: one label only
    assert cohen_kappa([]) is None


def test_a_judged_run_reports_scores_beside_agreement_with_people(
    workspace: Workspace, suite_file: Path
) -> None:
    with FakeServer("openai") as server:
        server.replies |= {"tutor": "You went? Nice!", "judge": json.dumps(VERDICT)}
        spec, judge = f"openai:{server.url}#tutor", f"openai:{server.url}#judge"
        options = EvalOptions(judge=judge)
        run = run_eval(workspace, [spec], str(suite_file), options)
        assert server.chats == 4  # two answers, two verdicts
        again = run_eval(workspace, [spec], str(suite_file), options)
        assert server.chats == 4  # answers and verdicts both from the cache
    assert [r.judge for r in again.results] == [r.judge for r in run.results]
    first, second = run.results
    assert first.judge["providing_guidance"] == "to_some_extent" and first.judge_error is None
    rubric = load_rubric()
    with workspace.db.connect() as con:
        store_evals.put_rating(con, first.key, "actionability", "no", "me")
        store_evals.put_rating(con, second.key, "actionability", "yes", "me")
        store_evals.put_rating(con, first.key, "coherence", "yes", "me")
        human = store_evals.ratings(con, [r.key for r in run.results])
    agree = agreement(run.results, human, rubric)
    assert agree["actionability"].items == 2 and agree["actionability"].observed == 0.5
    assert agree["coherence"].items == 1 and agree["coherence"].kappa is None
    assert agree["tutor_tone"].items == 0
    text = reports.to_markdown(run, rubric, human)
    assert f"## Judge ({judge}, rubric mrbench: score 1 best, 0 worst)" in text
    assert "| actionability | 0.00 | κ 0.00, 50% agree, n 2 |" in text
    assert "| tutor_tone | 1.00 | no human ratings |" in text


def test_a_judge_that_fails_leaves_the_answers(workspace: Workspace, suite_file: Path) -> None:
    with FakeServer("openai") as server:
        server.replies |= {"tutor": "Hmm?", "judge": "I would rather not say."}
        run = run_eval(
            workspace,
            [f"openai:{server.url}#tutor"],
            str(suite_file),
            EvalOptions(judge=f"openai:{server.url}#judge"),
        )
    assert not run.failed
    assert all(r.judge == {} and "no valid labels" in str(r.judge_error) for r in run.results)

"""Compare: stored provenance, blind votes, preference pairs, and the screen under Pilot."""

from __future__ import annotations

import itertools
import json
import shutil
import threading
import time
from pathlib import Path

import pytest

from engine.compare import export_preferences, record_vote, resolve_side, run_comparison
from engine.inference import GenerationSettings, InferenceEngine
from engine.inference.pool import forget_all
from engine.workspace import Workspace
from store import answers as store_answers

PROMPT = [{"role": "user", "content": "I go to the park yesterday."}]


@pytest.fixture
def compare_ws(tmp_path: Path, tiny_models) -> Workspace:
    ws = Workspace.open(tmp_path / "ws")
    shutil.copytree(tiny_models["base"], ws.models_dir / "tiny")
    shutil.copytree(tiny_models["pirate"], ws.runs_dir / "r1" / "final")
    config = json.loads((ws.runs_dir / "r1/final/adapter_config.json").read_text())
    config["base_model_name_or_path"] = str(ws.models_dir / "tiny")
    (ws.runs_dir / "r1/final/adapter_config.json").write_text(json.dumps(config))
    forget_all()
    return ws


def test_every_answer_is_stored_with_its_provenance(compare_ws: Workspace) -> None:
    fine = resolve_side(compare_ws, f"adapter:{compare_ws.runs_dir / 'r1/final'}")
    base = resolve_side(compare_ws, "base")
    assert fine.base == str(compare_ws.models_dir / "tiny") == base.base
    engine = InferenceEngine(fine.base)
    settings = GenerationSettings(max_new_tokens=12, temperature=0.7, seed=3)
    result = run_comparison(
        compare_ws, engine, [PROMPT, PROMPT], [fine.side, base.side], settings, session="s1"
    )
    with compare_ws.db.connect() as con:
        stored = [store_answers.get_answer(con, i) for i in result.ids]
    adapter, plain = stored
    assert adapter is not None and plain is not None
    assert adapter["adapter_enabled"] is True and plain["adapter_enabled"] is False
    assert adapter["adapter"] == str((compare_ws.runs_dir / "r1/final").resolve())
    assert adapter["adapter_id"] and plain["adapter_id"] is None
    assert adapter["label"] == "r1/final" and plain["label"] == "base"
    for row, answer in zip(stored, result.answers, strict=True):
        assert row["text"] == answer.text
        assert row["model"] == fine.base and row["model_id"] == engine.base_id
        assert row["settings"] == {
            "temperature": 0.7,
            "top_p": 1.0,
            "max_new_tokens": 12,
            "seed": 3,
            "min_new_tokens": 0,
        }
        assert row["conversation"] == PROMPT and row["session"] == "s1"
        assert row["tokens"] == answer.tokens and row["seconds"] > 0


def test_votes_export_correct_preference_pairs(compare_ws: Workspace, tmp_path: Path) -> None:
    fine = resolve_side(compare_ws, f"adapter:{compare_ws.runs_dir / 'r1/final'}")
    engine = InferenceEngine(fine.base)
    settings = GenerationSettings(max_new_tokens=8)
    results = [
        run_comparison(
            compare_ws, engine, [p, p], [fine.side, resolve_side(compare_ws, "base").side], settings
        )
        for p in (PROMPT, [{"role": "user", "content": "She work at a bank."}], PROMPT)
    ]
    # vote 1: the adapter (shown left) wins; vote 2: base shown left wins; vote 3: tie
    record_vote(compare_ws, results[0].ids[0], results[0].ids[1], "left", blind=True)
    record_vote(compare_ws, results[1].ids[1], results[1].ids[0], "left", blind=True)
    record_vote(compare_ws, results[2].ids[0], results[2].ids[1], "tie", blind=True)
    out = tmp_path / "prefs.jsonl"
    summary = export_preferences(compare_ws, out)
    pairs = [json.loads(line) for line in out.read_text().splitlines()]
    assert summary.pairs == 2 and summary.votes == 3
    assert pairs[0] == {
        "prompt": PROMPT,
        "chosen": [{"role": "assistant", "content": results[0].answers[0].text}],
        "rejected": [{"role": "assistant", "content": results[0].answers[1].text}],
    }
    assert pairs[1]["chosen"][0]["content"] == results[1].answers[1].text
    assert pairs[1]["prompt"] == [{"role": "user", "content": "She work at a bank."}]
    counts = summary.by_matchup["base vs r1/final"]
    assert (counts["r1/final"], counts["base"], counts["tie"]) == (1, 1, 1)
    assert any("win rate 50%" in line for line in summary.lines())


def test_unknown_vote_is_refused(compare_ws: Workspace) -> None:
    with pytest.raises(ValueError, match="unknown vote"):
        record_vote(compare_ws, 1, 2, "maybe", blind=False)


def test_a_folder_without_an_adapter_is_named(compare_ws: Workspace) -> None:
    with pytest.raises(ValueError, match="not an adapter folder"):
        resolve_side(compare_ws, f"adapter:{compare_ws.models_dir}")


# -- the screen ------------------------------------------------------------------------------


async def _wait(pilot, condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {condition}"
        await pilot.pause(0.05)


async def _open_compare(app, pilot):
    from textual.widgets import Select

    await pilot.press("4")
    await app.workers.wait_for_complete()
    await pilot.pause()
    screen = app.screen
    right = screen.query_one("#right-side", Select)
    await _wait(pilot, lambda: any("r1/final" in str(v) for v in right._options))
    return screen


async def test_keys_work_while_both_columns_stream(compare_ws: Workspace, monkeypatch) -> None:
    from quimbot_tui.app import QuimbotApp

    real_step = InferenceEngine._step
    release = threading.Event()
    calls = itertools.count()

    def step(self, *args):  # a few tokens on each side, then hold until the keys were tried
        if next(calls) >= 20:
            release.wait(timeout=120)
        return real_step(self, *args)

    monkeypatch.setattr(InferenceEngine, "_step", step)
    from quimbot_tui.screens.compare import CompareScreen

    # Both answers run their full length, so both columns are streaming while keys arrive.
    monkeypatch.setattr(
        CompareScreen,
        "_settings",
        lambda self: GenerationSettings(max_new_tokens=150, min_new_tokens=150),
    )
    app = QuimbotApp(compare_ws, auto_demo=False)
    try:
        async with app.run_test(size=(140, 44)) as pilot:
            screen = await _open_compare(app, pilot)
            await pilot.press(*"I go to the zoo yesterday.", "enter")
            await _wait(
                pilot,
                lambda: screen.generating and all(c.streaming_text for c in screen._columns()),
            )
            await pilot.press("tab")
            first_focus = app.focused
            await pilot.press("tab")
            assert app.focused is not first_focus  # focus moves while streaming
            left = screen.query_one("#left-column")
            left.focus()
            await pilot.press("pageup", "end")  # scrolling keys are handled, not queued
            assert screen.generating
            lengths = [len(c.streaming_text) for c in screen._columns()]
            release.set()
            await _wait(pilot, lambda: not screen.generating, timeout=120)
            assert all(n > 0 for n in lengths)
    finally:
        release.set()  # never leave the generation thread waiting
    with compare_ws.db.connect() as con:
        assert store_answers.count_answers(con) == 2


async def test_blind_mode_hides_sides_until_the_vote(compare_ws: Workspace) -> None:
    from quimbot_tui.app import QuimbotApp

    app = QuimbotApp(compare_ws, auto_demo=False)
    async with app.run_test(size=(140, 44)) as pilot:
        screen = await _open_compare(app, pilot)
        await pilot.press("ctrl+b")
        screen.query_one("#prompt").focus()
        await pilot.press(*"She work in a hospital.", "enter")
        await _wait(pilot, lambda: screen.awaiting_vote)
        titles = [c.border_title for c in screen._columns()]
        assert all("hidden" in t for t in titles)
        await pilot.press("right_square_bracket")
        await _wait(
            pilot, lambda: "Vote saved" in str(screen.query_one("#compare-status").render())
        )
        titles = [c.border_title for c in screen._columns()]
        assert sorted(titles) == ["base", "r1/final"]
    summary = export_preferences(compare_ws, compare_ws.root / "prefs.jsonl")
    assert summary.pairs == 1


def test_compare_cli_prints_json_with_provenance(compare_ws: Workspace, tmp_path: Path) -> None:
    import subprocess
    import sys

    adapter = compare_ws.runs_dir / "r1" / "final"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "quimbot_tui",
            "--workspace",
            str(compare_ws.root),
            "compare",
            "--run",
            f"adapter:{adapter}",
            "--prompt",
            "I go to the park yesterday.",
            "--system",
            "Be kind.",
            "--max-tokens",
            "10",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    fine, base = payload["answers"]
    assert payload["conversation"][0] == {"role": "system", "content": "Be kind."}
    assert fine["adapter_enabled"] and not base["adapter_enabled"]
    assert fine["adapter_id"] and base["adapter_id"] is None
    assert fine["settings"]["max_new_tokens"] == 10 and fine["id"] != base["id"]
    out = tmp_path / "p.jsonl"
    record_vote(compare_ws, fine["id"], base["id"], "right", blind=False)
    export = subprocess.run(
        [
            sys.executable,
            "-m",
            "quimbot_tui",
            "--workspace",
            str(compare_ws.root),
            "prefs",
            "export",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert export.returncode == 0, export.stderr
    assert "1 preference pair from 1 vote" in export.stdout
    [pair] = [json.loads(line) for line in out.read_text().splitlines()]
    assert pair["chosen"][0]["content"] == base["text"]

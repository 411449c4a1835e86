"""The Eval screen under Pilot: run an eval of the tiny model from the screen, read the
table, drill down to an answer and rate it with single keys."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from engine.workspace import Workspace
from store import evals as store_evals


async def _wait(pilot, condition, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {condition}"
        await pilot.pause(0.05)


async def test_run_an_eval_from_the_screen_and_rate_an_answer(
    eval_ws: Workspace, suite_file: Path
) -> None:
    from textual.widgets import Input, Select, SelectionList

    from quimbot_tui.app import QuimbotApp
    from quimbot_tui.widgets.eval_view import MetricsTable, ResultsTable

    (eval_ws.root / "suites").mkdir()
    shutil.copy(suite_file, eval_ws.root / "suites" / "mini.toml")
    app = QuimbotApp(eval_ws, auto_demo=False)
    async with app.run_test(size=(170, 50)) as pilot:
        await pilot.press("5")
        screen = app.screen
        suite = screen.query_one("#suite", Select)
        picker = screen.query_one("#models", SelectionList)
        await _wait(pilot, lambda: picker.option_count == 3 and screen.rubric is not None)
        assert picker.selected == ["base", picker.get_option_at_index(1).value]
        assert str(screen.query_one("#base-model", Select).value).endswith("tiny")
        suite.value = str(eval_ws.root / "suites" / "mini.toml")
        screen.query_one("#max-tokens", Input).value = "12"
        await pilot.press("f5")
        await _wait(pilot, lambda: screen.run is not None and not screen.running)
        run = screen.run
        assert run.suite == "mini" and len(run.results) == 4 and not run.failed

        metrics = screen.query_one("#eval-metrics", MetricsTable)
        headers = [str(c.label) for c in metrics.columns.values()]
        adapter = run.labels[run.models[1]]
        assert headers[:4] == ["metric", "better", "base", adapter]
        assert headers[4] == f"Δ {adapter}"
        rows = [str(metrics.get_row_at(i)[0]) for i in range(metrics.row_count)]
        assert "ends_with_question ★" in rows and "speed (tok/s)" in rows

        results = screen.query_one("#eval-results", ResultsTable)
        assert results.row_count == 4 and app.focused is results
        await pilot.press("down")  # the second answer
        detail = str(screen.query_one("#eval-detail-text").render())
        assert run.results[1].response in detail and "rate mistake_identification" in detail
        await pilot.press("a", "s", "space", "x")
        assert screen.dimension == 4
        await pilot.press("backspace")  # undo "x" on coherence
        assert screen.dimension == 3
        await pilot.pause(0.3)
        key = run.results[1].key
        assert screen.human[key] == {
            "mistake_identification": "yes",
            "providing_guidance": "to_some_extent",
        }
        await app.workers.wait_for_complete()

        # A second run is served from the cache and keeps the ratings.
        await pilot.press("f5")
        await _wait(pilot, lambda: screen.run is not run and not screen.running)
        assert all(r.cached for r in screen.run.results)
        assert screen.human[key]["mistake_identification"] == "yes"
    with eval_ws.db.connect() as con:
        stored = store_evals.ratings(con, [key])
        runs = store_evals.list_runs(con)
    assert stored[key] == {"mistake_identification": "yes", "providing_guidance": "to_some_extent"}
    assert len(runs) == 2

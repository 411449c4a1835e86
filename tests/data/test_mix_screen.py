"""The Mix screen driven by Pilot: preview with the anchor rule and shortfall, edit, build."""

from __future__ import annotations

import json

from textual.widgets import DataTable, Input, Static

from engine.workspace import Workspace
from tests.test_app import RecordingApp, settle

SIZE = (170, 50)


def cell(app: RecordingApp, row: int, col: int) -> str:
    return str(app.screen.query_one("#plan", DataTable).get_row_at(row)[col])


async def test_preview_edit_and_build(demo_workspace: Workspace) -> None:
    app = RecordingApp(demo_workspace, auto_demo=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await settle(app, pilot)
        screen = app.screen
        view = screen.query_one("#recipes")
        names = [str(item.children[0].render()) for item in view.children]
        view.index = names.index("demo_mix")
        await settle(app, pilot)
        # The demo recipe over the small demo: toefl (anchor) 60 -> total 300; lmsys wants
        # 120 of its 80, magpie 75 of 50, prosocial 30 of 25: short, and redistribution has
        # nothing spare to give.
        assert cell(app, 0, 0) == "toefl (anchor)" and cell(app, 0, 5) == "60"
        assert cell(app, 2, 4) == "120 (short 40)"
        summary = str(screen.query_one("#plan-summary", Static).content)
        assert "Planned mix: 230 records" in summary and "lmsys 40" in summary

        table = screen.query_one("#plan", DataTable)
        table.focus()
        table.move_cursor(row=0)
        await pilot.press("e")
        field = screen.query_one("#ratio-input", Input)
        assert field.display and field.value == "0.2"
        await pilot.press(*"0.4", "enter")  # the field selects its text on focus
        await settle(app, pilot)
        assert cell(app, 0, 2) == "0.4"
        summary = str(screen.query_one("#plan-summary", Static).content)
        assert "ratios add up to 1.2" in summary

        await pilot.press("b")
        for _ in range(50):
            await settle(app, pilot)
            if not app.jobs.running("mix-build"):
                break
        manifest_path = demo_workspace.root / "mixes" / "demo_mix_manifest.json"
        manifest = json.loads(manifest_path.read_text())
        assert manifest["actual_counts"]["toefl"] == 60
        assert (
            manifest["target_ratios"]["toefl"] == round(0.4 / 1.2, 12)
            or abs(manifest["target_ratios"]["toefl"] - 0.4 / 1.2) < 1e-9
        )
        assert "Built" in str(screen.query_one("#build-label").render())
        shown = screen.query_one("#manifest", Static).content
        assert "actual_counts" in shown.code  # type: ignore[union-attr]
        assert any("Mix built" in n[1] or "demo_mix.jsonl" in n[1] for n in app.notes)
        lines = (demo_workspace.root / "mixes" / "demo_mix.jsonl").read_text().splitlines()
        assert len(lines) == manifest["total"]

        await pilot.press("x")
        await settle(app, pilot)
        assert "preflight failures: left out" in str(screen.query_one("#recipe-about").content)

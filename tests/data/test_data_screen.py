"""The Data screen driven by Pilot on the small demo workspace: filters, search, the views."""

from __future__ import annotations

from rich.syntax import Syntax
from textual.widgets import DataTable, Input, Label, Select, Static

from engine.workspace import Workspace
from tests.test_app import RecordingApp, settle

SIZE = (170, 50)


def status(app: RecordingApp) -> str:
    return str(app.screen.query_one("#records-status", Label).render())


def column(app: RecordingApp, index: int) -> list[str]:
    table = app.screen.query_one("#records", DataTable)
    return [str(table.get_row_at(i)[index]) for i in range(table.row_count)]


async def test_filters_and_search(demo_workspace: Workspace) -> None:
    app = RecordingApp(demo_workspace, auto_demo=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        screen.query_one("#filter-source", Select).value = "pilot-synth"
        await settle(app, pilot)
        assert "of 15" in status(app) and "source pilot-synth" in status(app)
        assert set(column(app, 1)) == {"pilot-synth"}

        screen.query_one("#filter-source", Select).clear()
        await settle(app, pilot)
        screen.query_one("#filter-flag", Select).value = "has_system"
        await settle(app, pilot)
        assert all("has_system" in flags for flags in column(app, 4))
        assert "flag has_system" in status(app)

        await pilot.press("escape")
        await settle(app, pilot)
        assert status(app).startswith("Records 1–100 of 230")

        screen.query_one("#filter-turns", Input).value = "2"
        screen.query_one("#filter-tokens", Input).value = "-40"
        screen.query_one("#filter-turns", Input).focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert set(column(app, 2)) == {"2"} and all(int(t) <= 40 for t in column(app, 3))

        await pilot.press("escape", "slash", *"re:^(yesterday|last)", "enter")
        await settle(app, pilot)
        assert "regex: '^(yesterday|last)'" in status(app)
        chats = column(app, 5)
        assert chats and len(chats) < 230

        screen.query_one("#search", Input).value = ""
        await pilot.press("slash", *"100%", "enter")  # % and _ are literal, not wildcards
        await settle(app, pilot)
        assert status(app).startswith("No record matches")
        await pilot.press("escape")
        await settle(app, pilot)
        assert "of 230" in status(app)


async def test_record_views(demo_workspace: Workspace) -> None:
    app = RecordingApp(demo_workspace, auto_demo=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        title = str(screen.query_one("#record-title", Label).render())
        assert title.startswith("Record 1 ·")
        chat = screen.query_one("#record-chat")
        assert len(chat.children) >= 2

        await pilot.press("j")
        await settle(app, pilot)
        raw = screen.query_one("#record-json")
        assert '"messages"' in raw.source_text and '"_index"' in raw.source_text
        assert isinstance(screen.query_one("#raw-json-text", Static).content, Syntax)

        await pilot.press("t")
        for _ in range(40):  # the tokenizer loads in a worker
            await settle(app, pilot)
            summary = str(screen.query_one("#trained-summary", Static).content)
            if "tokens" in summary:
                break
        assert "demo-tiny-qwen3:" in summary and "trained" in summary and "of max" in summary
        text = screen.query_one("#trained-text", Static).content
        styles = {str(span.style) for span in text.spans}
        assert "bold black on green" in styles and "dim" in styles

        await pilot.press("down")  # the next record re-renders in the trained view
        await settle(app, pilot)
        assert str(screen.query_one("#record-title", Label).render()).startswith("Record 2 ·")

        await pilot.press("s")
        await settle(app, pilot)
        assert screen.query_one("#sources", DataTable).row_count == 5
        assert "230 records in 5 sources" in str(screen.query_one("#sources-summary").content)

        await pilot.press("x")
        await settle(app, pilot)
        rejects = screen.query_one("#rejects", DataTable)
        assert rejects.row_count == 5
        rejects.focus()
        await pilot.press("down")
        await settle(app, pilot)
        shown = str(screen.query_one("#reject-raw", Static).content)
        assert "lmsys-esl.jsonl:" in shown and "empty_content" in shown

"""The app driven by Pilot on real workspaces."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import DataTable, Input, Label

from engine.workspace import Workspace
from quimbot_tui.app import QuimbotApp
from quimbot_tui.modes import MODES
from quimbot_tui.screens.help import HelpScreen, help_sections
from quimbot_tui.widgets.jobs_bar import JobsBar

SIZE = (140, 44)


class RecordingApp(QuimbotApp):
    """The real app, remembering its notifications for the assertions."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.notes: list[tuple[str, str]] = []

    def notify(self, message, *, title="", severity="information", **kwargs) -> None:  # type: ignore[override]
        self.notes.append((severity, str(message)))
        super().notify(message, title=title, severity=severity, **kwargs)


async def settle(app: QuimbotApp, pilot) -> None:
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


def records_status(app: QuimbotApp) -> str:
    return str(app.screen.query_one("#records-status", Label).render())


@pytest.mark.parametrize("mode", MODES, ids=[m.name for m in MODES])
async def test_every_screen_opens_by_key(demo_workspace: Workspace, mode) -> None:
    app = RecordingApp(demo_workspace, auto_demo=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press(mode.key)
        await settle(app, pilot)
        assert app.current_mode == mode.name
        assert isinstance(app.screen, mode.screen_class())
        assert not [n for n in app.notes if n[0] == "error"]


async def test_every_screen_shows_workspace_content(demo_workspace: Workspace) -> None:
    app = RecordingApp(demo_workspace, auto_demo=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "of 230" in records_status(app)
        assert app.screen.query_one("#sources", DataTable).row_count == 5
        await pilot.press("2")
        await settle(app, pilot)
        assert app.screen.query_one("#plan", DataTable).row_count == 5
        await pilot.press("3")
        await settle(app, pilot)
        models = app.screen.query_one("#models", DataTable)
        assert models.get_row_at(0)[0] == "demo-tiny-qwen3"
        await pilot.press("6")
        await settle(app, pilot)
        assert app.screen.query_one("#queue", DataTable).row_count == 8


async def test_screens_switch_while_a_text_field_has_the_keys(demo_workspace: Workspace) -> None:
    app = RecordingApp(demo_workspace, auto_demo=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        await settle(app, pilot)
        prompt = app.screen.query_one("#prompt", Input)
        prompt.focus()
        await pilot.press("2")  # a digit is text in the field ...
        assert app.current_mode == "compare" and prompt.value.endswith("2")
        await pilot.press("alt+1")  # ... Alt+digit switches anyway
        await settle(app, pilot)
        assert app.current_mode == "data"
        await pilot.press("4")
        await settle(app, pilot)
        app.screen.query_one("#prompt", Input).focus()
        await pilot.press("escape", "2")  # Esc leaves the field, then digits switch again
        await settle(app, pilot)
        assert app.current_mode == "mix"


@pytest.mark.parametrize("mode", MODES, ids=[m.name for m in MODES])
async def test_every_screen_opens_from_the_command_palette(demo_workspace: Workspace, mode) -> None:
    app = RecordingApp(demo_workspace, auto_demo=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        if mode.name == "data":
            await pilot.press("2")
            await settle(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*f"Go to {mode.title}")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.current_mode == mode.name


async def test_palette_runs_an_action_of_another_screen(demo_workspace: Workspace) -> None:
    app = RecordingApp(demo_workspace, auto_demo=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6")
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Data: Search")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.current_mode == "data"
        assert isinstance(app.focused, Input) and app.focused.id == "search"


async def test_help_lists_every_binding(demo_workspace: Workspace) -> None:
    app = RecordingApp(demo_workspace, auto_demo=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        console = Console(width=200, record=True, file=io.StringIO())
        for static in app.screen.query("#help-body Static"):
            console.print(static.content)  # type: ignore[attr-defined]
        help_text = console.export_text()
        expected = 0
        for _title, _summary, rows in help_sections():
            for keys, description in rows:
                assert keys in help_text and description in help_text
                expected += 1
        assert expected >= len(QuimbotApp.BINDINGS) + sum(
            len(m.screen_class().BINDINGS) for m in MODES
        )
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_theme_switch_is_saved(demo_workspace: Workspace) -> None:
    app = RecordingApp(demo_workspace, auto_demo=False)
    async with app.run_test(size=SIZE) as pilot:
        before = app.theme
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        assert app.theme != before
        assert demo_workspace.settings()["theme"] == app.theme


async def test_data_screen_pages_searches_and_shows_a_record(demo_workspace: Workspace) -> None:
    app = RecordingApp(demo_workspace, auto_demo=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert records_status(app).startswith("Records 1–100 of 230")
        await pilot.press("n")
        await settle(app, pilot)
        assert records_status(app).startswith("Records 101–200 of 230")
        await pilot.press("G")
        await settle(app, pilot)
        assert records_status(app).startswith("Records 131–230 of 230")  # the last 100
        await pilot.press("slash", *"accent", "enter")
        await settle(app, pilot)
        status = records_status(app)
        assert "'accent'" in status and "of 230" not in status
        table = app.screen.query_one("#records", DataTable)
        assert 0 < table.row_count < 230
        chat = app.screen.query_one("#record-chat")
        assert any("accent" in str(c.render()).lower() for c in chat.children)
        await pilot.press("escape")
        await settle(app, pilot)
        assert "of 230" in records_status(app)


async def test_demo_build_shows_progress_and_completes(workspace: Workspace) -> None:
    app = RecordingApp(workspace, demo_args=["--small"])
    seen_progress: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            await pilot.pause(0.2)
            job = app.jobs.jobs.get("demo")
            if job is not None and not job.finished:
                bar = app.screen.query_one(JobsBar)
                assert bar.has_class("-active")
                seen_progress.append(job.done)
            if job is not None and job.finished:
                break
        job = app.jobs.jobs["demo"]
        assert job.finished and job.error is None
        assert seen_progress and max(seen_progress) > 0
        await settle(app, pilot)
        assert not app.screen.query_one(JobsBar).has_class("-active")
        assert "of 230" in records_status(app)
        assert any("demo workspace is ready" in n[1] for n in app.notes)
    assert workspace.demo_info() is not None


WRITER = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from engine.workspace import Workspace
    from engine.importers import import_file
    ws = Workspace.open(sys.argv[1])
    path = Path(sys.argv[1]) / "extra.jsonl"
    path.write_text("\\n".join(json.dumps({"context": f"extra {i}", "response": "ok"})
                              for i in range(7)) + "\\n")
    print(json.dumps(import_file(ws.db, path, source="from-cli").as_dict()))
    """
)
HOLDER = textwrap.dedent(
    """
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    print("holding", flush=True)
    time.sleep(1.5)
    con.close()
    """
)


async def test_another_process_writes_while_the_app_is_open(demo_workspace: Workspace) -> None:
    app = RecordingApp(demo_workspace, auto_demo=False)
    root = Path(__file__).resolve().parent.parent
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "of 230" in records_status(app)
        writer = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            WRITER,
            str(demo_workspace.root),
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        out, err = await writer.communicate()
        assert writer.returncode == 0, err.decode()
        assert json.loads(out)["accepted"] == 7
        await pilot.press("r")
        await settle(app, pilot)
        assert "of 237" in records_status(app)

        # The app lets go of the file when idle...
        for _ in range(100):
            if not demo_workspace.db.is_open:
                break
            await asyncio.sleep(0.05)
        assert not demo_workspace.db.is_open
        # ...and waits for a process that holds it, without an error reaching the user.
        holder = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            HOLDER,
            str(demo_workspace.db.path),
            stdout=subprocess.PIPE,
        )
        assert holder.stdout is not None
        assert (await holder.stdout.readline()).strip() == b"holding"
        await pilot.press("r")
        await settle(app, pilot)
        await holder.wait()
        assert "of 237" in records_status(app)
        assert not [n for n in app.notes if n[0] == "error"]


async def test_activity_log_opens_from_the_palette(demo_workspace: Workspace) -> None:
    from engine import activity
    from quimbot_tui.screens.activity import ActivityScreen

    activity.log(demo_workspace.db, "data.import", "mine.jsonl", accepted=3)
    app = RecordingApp(demo_workspace, auto_demo=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Activity log")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ActivityScreen)
        table = app.screen.query_one(DataTable)
        actions = [table.get_row_at(i)[2] for i in range(table.row_count)]
        assert actions[0] == "data.import" and "demo.build" in actions
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ActivityScreen)

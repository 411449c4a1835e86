"""The quimbot-tui application: modes, global bindings and services. Screens own the rest."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from engine.workspace import Workspace
from quimbot_tui.jobs import JobBoard
from quimbot_tui.modes import MODES as ALL_MODES
from quimbot_tui.modes import MODES_BY_NAME

PROBE_ENV = "QUIMBOT_STARTUP_PROBE"
DEMO_JOB = "demo"


def _mode_factory(name: str) -> Any:
    return lambda: MODES_BY_NAME[name].screen_class()()


class QuimbotApp(App[None]):
    """The workbench. Holds the workspace and the job board; screens do the work."""

    TITLE = "quimbot-tui"
    CSS_PATH = Path(__file__).parent / "app.tcss"
    MODES = {m.name: _mode_factory(m.name) for m in ALL_MODES}
    BINDINGS = [
        *(Binding(m.key, f"switch_mode('{m.name}')", m.title, show=False) for m in ALL_MODES),
        # Alt+number switches even while a text field has the keys (digits are text there),
        # in terminals that report Alt+digit as such (the kitty keyboard protocol: kitty,
        # WezTerm, foot, Ghostty). Elsewhere Textual receives ESC+digit as a character
        # (¡ ™ £ ¢ ...), which a text field types, so Esc then the number is the portable way.
        *(
            Binding(
                f"alt+{m.key}",
                f"switch_mode('{m.name}')",
                f"{m.title} (also from a text field)",
                show=False,
                priority=True,
            )
            for m in ALL_MODES
        ),
        Binding("escape", "leave_field", "Leave field", show=False),
        Binding("f1", "help", "Help", key_display="F1"),
        Binding("question_mark", "help", "Help", show=False, key_display="?"),
        Binding("ctrl+t", "next_theme", "Theme", show=False),
        Binding("f3", "activity", "Activity", key_display="F3", show=False),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    jobs_version: reactive[int] = reactive(0)

    def __init__(
        self,
        workspace: Workspace,
        *,
        auto_demo: bool = True,
        demo_args: Sequence[str] = (),
        initial_mode: str = "data",
    ) -> None:
        super().__init__()
        self.workspace = workspace
        self.auto_demo = auto_demo and not os.environ.get(PROBE_ENV)
        self.demo_args = list(demo_args)
        self.initial_mode = initial_mode
        self.jobs = JobBoard(self._jobs_changed)
        self._screens: list[Screen[Any]] = []
        self._probe_done = False  # the first screen's paint has been timed
        self.sub_title = str(workspace.root)

    # -- lifecycle -----------------------------------------------------------------------
    def on_mount(self) -> None:
        theme = self._saved_theme()
        if theme in self.available_themes:
            self.theme = theme
        self.switch_mode(self.initial_mode)
        if self.auto_demo:
            self.call_after_refresh(self.check_demo)

    def _saved_theme(self) -> str | None:
        try:
            return self.workspace.settings().get("theme")
        except ValueError:
            return None

    def screen_mounted(self, screen: Screen[Any]) -> None:
        self._screens.append(screen)
        if not self._probe_done:
            self._probe_done = True
            self.call_after_refresh(self.probe, "first_screen")

    def probe(self, event: str) -> None:
        """Start-up timing for ``bench startup``: the first screen, then the first records."""
        path = os.environ.get(PROBE_ENV)
        if not path:
            return
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"{event} {time.time()!r}\n")
        if event == "first_records" or self.initial_mode != "data":
            self.exit()

    def workspace_changed(self) -> None:
        """Ask every open screen to reload what it shows."""
        for screen in self._screens:
            if screen.is_mounted:
                screen.reload()  # type: ignore[attr-defined]

    def _jobs_changed(self) -> None:
        self.jobs_version += 1

    # -- errors from workers -------------------------------------------------------------
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            self.notify(
                f"{type(error).__name__}: {error}", title="Error", severity="error", timeout=10
            )

    # -- the demo workspace --------------------------------------------------------------
    @work(thread=True, exit_on_error=False, group="demo-check")
    def check_demo(self) -> None:
        if self.workspace.needs_demo():
            self.call_from_thread(self.start_demo_build, False)

    def start_demo_build(self, reset: bool = True) -> None:
        if self.jobs.running(DEMO_JOB):
            self.notify("The demo workspace is already being built.")
            return
        self.jobs.update(
            DEMO_JOB, title="Building the demo workspace", done=0, total=100, message="starting"
        )
        self._run_demo_build(reset)

    @work(thread=True, exit_on_error=False, group="demo", exclusive=True)
    def _run_demo_build(self, reset: bool) -> None:
        from quimbot_tui.demo_runner import run_demo_subprocess

        stages: list[str] = []

        def progress(stage: str, done: float, total: float, message: str) -> None:
            self.call_from_thread(
                self.jobs.update, DEMO_JOB, done=done, total=total, message=message
            )
            if stages and stages[-1] == "import" and stage != "import":
                # The records are indexed: show them while the model trains.
                self.call_from_thread(self.workspace_changed)
            if not stages or stages[-1] != stage:
                stages.append(stage)

        try:
            run_demo_subprocess(
                self.workspace.root, reset=reset, extra_args=self.demo_args, on_progress=progress
            )
        except Exception as exc:
            self.call_from_thread(self.jobs.finish, DEMO_JOB, str(exc))
            raise
        self.call_from_thread(self._demo_built)

    def _demo_built(self) -> None:
        self.jobs.finish(DEMO_JOB)
        self.notify(
            "The demo workspace is ready: records, a tiny model and sample topics.",
            title="Demo built",
        )
        self.workspace_changed()

    # -- actions -------------------------------------------------------------------------
    def action_help(self) -> None:
        from quimbot_tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_activity(self) -> None:
        from quimbot_tui.screens.activity import ActivityScreen

        if not isinstance(self.screen, ActivityScreen):
            self.push_screen(ActivityScreen())

    def action_leave_field(self) -> None:
        """Esc in a text field gives the keys back to the screen (number keys switch again)."""
        from textual.widgets import Input, TextArea

        if isinstance(self.focused, Input | TextArea):
            self.screen.set_focus(None)

    def action_next_theme(self) -> None:
        names = sorted(self.available_themes)
        index = names.index(self.theme) if self.theme in names else -1
        self.theme = names[(index + 1) % len(names)]
        self.notify(f"Theme: {self.theme}", timeout=2)

    def watch_theme(self, theme: str) -> None:
        if self.is_mounted:
            self._save_theme(theme)

    @work(thread=True, exit_on_error=False, group="settings")
    def _save_theme(self, theme: str) -> None:
        self.workspace.update_settings(theme=theme)

    def action_rebuild_demo(self) -> None:
        from quimbot_tui.screens.confirm import ConfirmScreen

        def answer(yes: bool | None) -> None:
            if yes:
                self.start_demo_build(reset=True)

        self.push_screen(
            ConfirmScreen(
                "Rebuild the demo workspace?",
                "The demo sources, their records, the demo model and the sample topics are "
                "made again. Your own records, runs and models are kept.",
            ),
            answer,
        )

    # -- the command palette -------------------------------------------------------------
    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for mode in ALL_MODES:
            yield SystemCommand(
                f"Go to {mode.title}",
                f"{mode.key}: {mode.summary}",
                partial(self.switch_mode, mode.name),
            )
        yield SystemCommand("Help: all key bindings", "F1 or ?", self.action_help)
        yield SystemCommand("Next theme", "Ctrl+T", self.action_next_theme)
        yield SystemCommand(
            "Activity log", "F3: who changed the workspace, what and when", self.action_activity
        )
        yield SystemCommand(
            "Rebuild the demo workspace",
            "make the demo data, model and topics again",
            self.action_rebuild_demo,
        )
        for mode in ALL_MODES:
            cls = mode.screen_class()
            for binding in _described(cls.BINDINGS):
                yield SystemCommand(
                    f"{mode.title}: {binding.description}",
                    f"key {binding.key_display or binding.key}",
                    partial(self.run_mode_action, mode.name, binding.action),
                )
            for title, help_text, action in cls.palette_commands():
                yield SystemCommand(
                    f"{mode.title}: {title}",
                    help_text,
                    partial(self.run_mode_action, mode.name, action),
                )

    def run_mode_action(self, mode: str, action: str) -> None:
        """Switch to a mode, then run one of its screen's actions there."""

        async def run() -> None:
            await self.run_action(action, self.screen)

        if self.current_mode != mode:
            self.switch_mode(mode)
        self.call_after_refresh(run)


def _described(bindings: Iterable[Any]) -> Iterable[Binding]:
    for b in bindings:
        binding = b if isinstance(b, Binding) else Binding(*b)
        if binding.description:
            yield binding

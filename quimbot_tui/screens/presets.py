"""Pick a preset conversation from the evaluation suites."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from engine.suites import Suite, list_suites


class PresetScreen(ModalScreen[list[dict[str, str]] | None]):
    DEFAULT_CSS = """
    PresetScreen { align: center middle; }
    PresetScreen > Vertical { width: 100; height: 80%; border: thick $accent;
                              background: $surface; padding: 0 1; }
    PresetScreen OptionList { height: 1fr; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(
                "Preset conversations from the evaluation suites (Enter to ask)",
                classes="panel-title",
            )
            yield OptionList(id="presets")

    def on_mount(self) -> None:
        self.suites: list[Suite] = []
        self.load()

    @work(thread=True, exit_on_error=False)
    def load(self) -> None:
        suites = list_suites()
        self.app.call_from_thread(self._show, suites)

    def _show(self, suites: list[Suite]) -> None:
        self.suites = suites
        options = self.query_one(OptionList)
        for s_index, suite in enumerate(suites):
            for t_index, test in enumerate(suite.tests):
                turns = len(test.conversation()) - (1 if test.system else 0)
                text = f"{suite.name} · {test.name} ({turns} turns): {test.last_user[:60]}"
                options.add_option(Option(text, id=f"{s_index}:{t_index}"))
        options.focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        s_index, t_index = map(int, str(event.option.id).split(":"))
        suite = self.suites[s_index]
        self.dismiss(suite.tests[t_index].conversation(suite.system))

    def action_cancel(self) -> None:
        self.dismiss(None)

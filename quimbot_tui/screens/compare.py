"""Compare: base against fine-tuned answers to the same conversation, side by side."""

from __future__ import annotations

from collections.abc import Iterable

from textual import work
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Static

from engine.models import ModelInfo, list_models
from quimbot_tui.screens.base import WorkbenchScreen
from quimbot_tui.widgets.model_list import ModelTable


class CompareScreen(WorkbenchScreen):
    MODE = "compare"
    CSS_PATH = "compare.tcss"
    HELP = (
        "Base and fine-tuned answers to the same conversation, streamed side by side "
        "from one loaded copy of the base weights; blind voting to preference pairs."
    )
    BINDINGS = [Binding("r", "reload", "Reload")]

    def compose_body(self) -> Iterable:
        with Vertical(id="compare-body"):
            yield Label("Models that can answer", classes="panel-title")
            yield ModelTable(id="compare-models")
            with Horizontal(id="columns"):
                with Vertical(classes="column"):
                    yield Label("Left: base", classes="panel-title")
                    yield Static(
                        "Train a run to compare its adapter with the base.", classes="empty-state"
                    )
                with Vertical(classes="column"):
                    yield Label("Right: fine-tuned", classes="panel-title")
                    yield Static("No runs with adapters yet.", classes="empty-state")

    def reload(self) -> None:
        self.load_models()

    @work(thread=True, exclusive=True, group="compare-models", exit_on_error=False)
    def load_models(self) -> None:
        models = list_models(self.workspace.models_dir)
        self.app.call_from_thread(self._show_models, models)

    def _show_models(self, models: list[ModelInfo]) -> None:
        self.query_one("#compare-models", ModelTable).show(models)

    def action_reload(self) -> None:
        self.reload()

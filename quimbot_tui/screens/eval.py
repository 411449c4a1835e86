"""Eval: pedagogical evaluation suites run against models, and their reports."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from textual import work
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Label

from engine.models import ModelInfo, list_models
from engine.workspace import configs_dir
from quimbot_tui.screens.base import WorkbenchScreen
from quimbot_tui.widgets.model_list import ModelTable


class EvalScreen(WorkbenchScreen):
    MODE = "eval"
    CSS_PATH = "eval.tcss"
    HELP = (
        "Evaluation suites (pedagogical, dialogue, baseline, stress, ESL) against "
        "models, with metrics per model and the difference between base and fine-tuned."
    )
    BINDINGS = [Binding("r", "reload", "Reload")]

    def compose_body(self) -> Iterable:
        with Horizontal(id="eval-body"):
            with Vertical(id="eval-left"):
                yield Label("Suites", classes="panel-title")
                yield DataTable(id="suites", cursor_type="row")
            with Vertical(id="eval-right"):
                yield Label("Models", classes="panel-title")
                yield ModelTable(id="eval-models")

    def on_mount(self) -> None:
        self.query_one("#suites", DataTable).add_columns("suite", "file")
        super().on_mount()

    def reload(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="eval-load", exit_on_error=False)
    def load(self) -> None:
        suites = sorted((configs_dir() / "eval").glob("*.toml"))
        models = list_models(self.workspace.models_dir)
        self.app.call_from_thread(self._show, suites, models)

    def _show(self, suites: list[Path], models: list[ModelInfo]) -> None:
        table = self.query_one("#suites", DataTable)
        table.clear()
        for path in suites:
            table.add_row(path.stem, str(path))
        if not suites:
            table.add_row("(no suites yet)", "")
        self.query_one("#eval-models", ModelTable).show(models)

    def action_reload(self) -> None:
        self.reload()

"""Train: the workspace's models and LoRA training runs."""

from __future__ import annotations

from collections.abc import Iterable

from textual import on, work
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Label
from textual_plotext import PlotextPlot

from engine.models import ModelInfo, list_models
from quimbot_tui.screens.base import WorkbenchScreen
from quimbot_tui.widgets.model_list import ModelTable


class TrainScreen(WorkbenchScreen):
    MODE = "train"
    CSS_PATH = "train.tcss"
    HELP = (
        "Models in the workspace and their pretraining loss; LoRA training runs with "
        "their status, live loss and hardware."
    )
    BINDINGS = [Binding("r", "reload", "Reload")]

    def compose_body(self) -> Iterable:
        with Horizontal(id="train-body"):
            with Vertical(id="train-left"):
                yield Label("Models", classes="panel-title")
                yield ModelTable(id="models")
                yield Label("Runs", classes="panel-title")
                yield Label("No training runs yet.", id="runs-empty", classes="empty-state")
            with Vertical(id="train-right"):
                yield Label("Loss", id="loss-title", classes="panel-title")
                yield PlotextPlot(id="loss")

    def on_mount(self) -> None:
        self.models: list[ModelInfo] = []
        super().on_mount()

    def reload(self) -> None:
        self.load_models()

    @work(thread=True, exclusive=True, group="train-models", exit_on_error=False)
    def load_models(self) -> None:
        models = list_models(self.workspace.models_dir)
        self.app.call_from_thread(self._show_models, models)

    def _show_models(self, models: list[ModelInfo]) -> None:
        self.models = models
        self.query_one("#models", ModelTable).show(models)
        if models:
            self._plot_model(models[0])

    @on(DataTable.RowHighlighted, "#models")
    def _model_highlighted(self, event: DataTable.RowHighlighted) -> None:
        for m in self.models:
            if m.name == event.row_key.value:
                self._plot_model(m)

    def _plot_model(self, model: ModelInfo) -> None:
        plot = self.query_one("#loss", PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        losses = model.losses
        if losses:
            plt.plot(list(range(1, len(losses) + 1)), losses, label="pretraining loss")
            plt.xlabel("step")
            plt.title(f"{model.name}: pretraining")
        plot.refresh()
        self.query_one("#loss-title", Label).update(f"Loss · {model.name}")

    def action_reload(self) -> None:
        self.reload()

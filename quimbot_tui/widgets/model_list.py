"""A table of the workspace's models."""

from __future__ import annotations

from textual.widgets import DataTable

from engine.models import ModelInfo


class ModelTable(DataTable[str]):
    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.add_columns("model", "architecture", "parameters", "pretrain loss")

    def show(self, models: list[ModelInfo]) -> None:
        self.clear()
        for m in models:
            params = f"{m.parameters / 1e6:.2f} M" if m.parameters else "?"
            losses = m.losses
            loss = f"{losses[0]:.2f} → {losses[-1]:.2f}" if losses else ""
            self.add_row(m.name, m.architecture, params, loss, key=m.name)
        if not models:
            self.add_row("(no models yet: the demo builds one)", "", "", "")

"""A table of the workspace's training runs: status, step/total, ETA, losses."""

from __future__ import annotations

import time

from rich.text import Text
from textual.widgets import DataTable

from engine.runs import RunSummary

STATUS_STYLE = {
    "starting": "yellow",
    "running": "bold green",
    "stopping": "yellow",
    "finished": "cyan",
    "stopped": "magenta",
    "failed": "bold red",
    "remote": "dim",
}
COLUMNS = ("run", "status", "step", "ETA", "loss", "best eval", "started")


def clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _cells(r: RunSummary) -> tuple[object, ...]:
    started = time.strftime("%m-%d %H:%M", time.localtime(r.started)) if r.started else ""
    return (
        r.id,
        Text(r.status, style=STATUS_STYLE.get(r.status, "")),
        f"{r.step}/{r.total}" if r.total else str(r.step or ""),
        clock(r.eta_s),
        f"{r.loss:.4f}" if r.loss is not None else "",
        f"{r.best_eval_loss:.4f}" if r.best_eval_loss is not None else "",
        started,
    )


class RunTable(DataTable[str]):
    """One row per run, keyed by run id. Refreshes update cells in place (the cursor and
    scroll stay put); only a new or removed run rebuilds the rows."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self._ids: list[str] = []
        for name in COLUMNS:
            self.add_column(name, key=name)

    def show(self, runs: list[RunSummary]) -> None:
        ids = [r.id for r in runs]
        if ids == self._ids:
            for r in runs:
                for name, value in zip(COLUMNS, _cells(r), strict=True):
                    self.update_cell(r.id, name, value, update_width=True)
            return
        selected = self.selected_id
        self.clear()
        for r in runs:
            self.add_row(*_cells(r), key=r.id)
        self._ids = ids
        if selected is not None and selected in ids:
            self.move_cursor(row=ids.index(selected), animate=False)

    @property
    def selected_id(self) -> str | None:
        if self.row_count == 0:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:
            return None
        return str(key.value) if key.value is not None else None

"""Gallery: the creative-coding gallery's catalogue."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual import on, work
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Label, Static

from gallery import Piece, load_catalogue
from quimbot_tui.screens.base import WorkbenchScreen


class GalleryScreen(WorkbenchScreen):
    MODE = "gallery"
    CSS_PATH = "gallery.tcss"
    HELP = (
        "The creative-coding gallery: standalone HTML canvas pieces served on localhost "
        "(`quimbot-tui gallery`), with terminal renditions of several."
    )
    BINDINGS = [Binding("r", "reload", "Reload")]

    def compose_body(self) -> Iterable:
        with Horizontal(id="gallery-body"):
            with Vertical(id="pieces-pane"):
                yield Label("Pieces", id="pieces-title", classes="panel-title")
                yield DataTable(id="pieces", cursor_type="row")
            with Vertical(id="piece-pane"):
                yield Static("", id="piece")

    def on_mount(self) -> None:
        self.pieces: list[Piece] = []
        self.query_one("#pieces", DataTable).add_columns("title", "year", "tags")
        super().on_mount()

    def reload(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="gallery-load", exit_on_error=False)
    def load(self) -> None:
        self.app.call_from_thread(self._show, load_catalogue())

    def _show(self, pieces: list[Piece]) -> None:
        self.pieces = pieces
        table = self.query_one("#pieces", DataTable)
        table.clear()
        for p in pieces:
            table.add_row(p.title, p.year, ", ".join(p.tags), key=p.slug)
        self.query_one("#pieces-title", Label).update(f"Pieces · {len(pieces)}")
        if not pieces:
            self.query_one("#piece", Static).update("The catalogue is empty.")

    @on(DataTable.RowHighlighted, "#pieces")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        for p in self.pieces:
            if p.slug == event.row_key.value:
                text = Text()
                text.append(p.title + "\n", style="bold")
                text.append(f"{p.year} · {p.attribution}\n\n", style="dim")
                text.append(p.description + "\n\n")
                text.append(f"Interaction: {p.interaction}\n", style="italic")
                text.append(f"File: {p.file}", style="dim")
                self.query_one("#piece", Static).update(text)

    def action_reload(self) -> None:
        self.reload()

"""Gallery: the creative-coding catalogue, terminal renditions, and the pieces in a browser."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on, work
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Label, Static

from gallery import Piece, load_catalogue
from gallery.renditions import RENDITIONS
from quimbot_tui.screens.base import WorkbenchScreen
from quimbot_tui.widgets.rendition_view import RenditionView

if TYPE_CHECKING:
    from gallery.server import GalleryServer

PREFERRED_PORT = 8765


def open_in_browser(url: str) -> bool:
    """Open ``url`` in the user's web browser (a seam for tests)."""
    import webbrowser

    return webbrowser.open(url)


class GalleryScreen(WorkbenchScreen):
    MODE = "gallery"
    CSS_PATH = "gallery.tcss"
    HELP = (
        "The creative-coding gallery: 22 standalone HTML canvas pieces. The highlighted piece "
        "plays its terminal rendition when it has one (click it to interact). s serves the "
        "gallery on 127.0.0.1 and shows the address; o opens the highlighted piece in the browser."
    )
    BINDINGS = [
        Binding("o", "open_piece", "Open in browser"),
        Binding("s", "serve", "Serve"),
        Binding("space", "toggle_play", "Play/pause"),
        Binding("n", "new_seed", "New seed"),
        Binding("r", "reload", "Reload"),
    ]

    def compose_body(self) -> Iterable:
        with Horizontal(id="gallery-body"):
            with Vertical(id="pieces-pane"):
                yield Label("Pieces", id="pieces-title", classes="panel-title")
                yield DataTable(id="pieces", cursor_type="row")
                yield Label("Not serving: press s to serve the gallery on 127.0.0.1", id="url")
            with Vertical(id="piece-pane"):
                yield Static("", id="piece")
                yield RenditionView(id="rendition")

    def on_mount(self) -> None:
        self.pieces: list[Piece] = []
        self.server: GalleryServer | None = None
        self.url: str | None = None
        self._open_after_serving: str | None = None
        self.query_one("#pieces", DataTable).add_columns("title", "year", "tags", "▶")
        super().on_mount()

    def on_unmount(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    # -- the catalogue ------------------------------------------------------------------------
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
            playable = "▶" if p.rendition in RENDITIONS else ""
            table.add_row(p.title, p.year, ", ".join(p.tags), playable, key=p.slug)
        playable_count = sum(p.rendition in RENDITIONS for p in pieces)
        self.query_one("#pieces-title", Label).update(
            f"Pieces · {len(pieces)} · {playable_count} play in the terminal (▶)"
        )
        if not pieces:
            self.query_one("#piece", Static).update("The catalogue is empty.")

    @property
    def current(self) -> Piece | None:
        table = self.query_one("#pieces", DataTable)
        if not self.pieces or table.row_count == 0:
            return None
        return self.pieces[min(table.cursor_row, len(self.pieces) - 1)]

    @on(DataTable.RowHighlighted, "#pieces")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        piece = next((p for p in self.pieces if p.slug == event.row_key.value), None)
        if piece is None:
            return
        self.query_one("#piece", Static).update(piece_card(piece))
        view = self.query_one(RenditionView)
        view.show(RENDITIONS.get(piece.rendition or ""), seed=0)

    # -- the terminal rendition ---------------------------------------------------------------
    def on_screen_suspend(self, _event: events.ScreenSuspend) -> None:
        self.query_one(RenditionView).suspend()

    def on_screen_resume(self, _event: events.ScreenResume) -> None:
        self.query_one(RenditionView).resume()

    def action_toggle_play(self) -> None:
        view = self.query_one(RenditionView)
        view.playing = not view.playing

    def action_new_seed(self) -> None:
        self.query_one(RenditionView).reseed()

    # -- serving and opening ------------------------------------------------------------------
    def action_serve(self) -> None:
        if self.url is not None:
            self.notify(f"The gallery is at {self.url}", timeout=4)
        else:
            self.start_server()

    def action_open_piece(self) -> None:
        piece = self.current
        if piece is None:
            return
        if self.url is None:
            self._open_after_serving = piece.file
            self.start_server()
        else:
            self.open_page(self.url + piece.file)

    @work(thread=True, exclusive=True, group="gallery-serve", exit_on_error=False)
    def start_server(self) -> None:
        from gallery.server import serve

        try:
            server, url = serve(PREFERRED_PORT)
        except OSError:  # the preferred port is taken (another gallery?): any free one
            server, url = serve(0)
        self.app.call_from_thread(self._served, server, url)

    def _served(self, server: GalleryServer, url: str) -> None:
        if not self.is_mounted:
            server.stop()
            return
        self.server, self.url = server, url
        self.query_one("#url", Label).update(f"Serving at {url}  ·  o opens the highlighted piece")
        self.notify(f"The gallery is at {url}", title="Gallery served", timeout=6)
        if self._open_after_serving is not None:
            page, self._open_after_serving = self._open_after_serving, None
            self.open_page(url + page)

    @work(thread=True, group="gallery-open", exit_on_error=False)
    def open_page(self, url: str) -> None:
        opened = open_in_browser(url)
        if not opened:  # over SSH, say: the address is still worth showing
            self.app.call_from_thread(
                self.notify, f"No browser to open here; visit {url}", timeout=8
            )

    def action_reload(self) -> None:
        self.reload()


def piece_card(piece: Piece) -> Text:
    text = Text()
    text.append(piece.title + "\n", style="bold")
    text.append(f"{piece.year} · {piece.attribution}\n", style="dim")
    text.append(piece.description + "\n")
    text.append(f"In the browser: {piece.interaction}\n", style="italic")
    if piece.rendition in RENDITIONS:
        text.append(
            "Below: its terminal rendition (click it; space pauses, n reseeds)", style="dim"
        )
    return text

"""A widget that plays a gallery piece's terminal rendition.

A timer asks for a frame; a thread worker steps the rendition and renders it, then posts the
lines back. The UI thread only paints text, so a slow step delays the animation, not the input.
"""

from __future__ import annotations

from collections import deque

from rich.style import Style
from rich.text import Text
from textual import events, work
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget

from gallery.renditions import Rendition

PLACEHOLDER = "No terminal rendition for this piece: press o to open it in the browser."


class RenditionView(Widget):
    """Plays one ``Rendition`` class at its own frame rate, sized to the widget."""

    DEFAULT_CSS = """
    RenditionView { height: 1fr; min-height: 4; }
    RenditionView.-empty { color: $text-muted; content-align: center middle; }
    """

    playing: reactive[bool] = reactive(True)
    """False while the user has paused the animation."""

    class FrameReady(Message):
        """A freshly rendered frame, posted from the worker thread."""

        def __init__(self, lines: list[str], generation: int) -> None:
            super().__init__()
            self.lines = lines
            self.generation = generation

        def can_replace(self, message: Message) -> bool:
            # Frames are snapshots: a newer one makes a queued older one pointless.
            return isinstance(message, RenditionView.FrameReady)

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.rendition_class: type[Rendition] | None = None
        self.seed = 0
        self.frames = 0
        """Frames painted since the rendition was (re)built."""
        self.lines: list[str] = []
        self._generation = 0
        self._rendition: Rendition | None = None
        self._built_generation = -1
        self._clicks: deque[tuple[int, int]] = deque()
        self._busy = False
        self._suspended = False
        self._timer: Timer | None = None

    # -- what to play -------------------------------------------------------------------------
    def show(self, rendition_class: type[Rendition] | None, seed: int | None = None) -> None:
        """Play ``rendition_class`` from the start (None shows the placeholder)."""
        self.rendition_class = rendition_class
        if seed is not None:
            self.seed = seed
        self._restart()

    def reseed(self) -> None:
        self.show(self.rendition_class, self.seed + 1)

    def _restart(self) -> None:
        self._generation += 1
        self.frames = 0
        self.lines = []
        self._clicks.clear()
        self.set_class(self.rendition_class is None, "-empty")
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self.rendition_class is not None and self.is_mounted:
            self._timer = self.set_interval(
                1 / self.rendition_class.fps, self._tick, pause=not self.animating
            )
            self._request(step=False)
        self.refresh()

    @property
    def animating(self) -> bool:
        return self.playing and not self._suspended

    # -- playing ------------------------------------------------------------------------------
    def suspend(self) -> None:
        """Stop animating while the screen is not shown; ``resume`` picks up again."""
        self._suspended = True
        self._sync_timer()

    def resume(self) -> None:
        self._suspended = False
        self._sync_timer()

    def watch_playing(self, _playing: bool) -> None:
        self._sync_timer()

    def _sync_timer(self) -> None:
        if self._timer is None:
            return
        if self.animating:
            self._timer.resume()
        else:
            self._timer.pause()

    def on_mount(self) -> None:
        self._restart()

    def on_resize(self, _event: events.Resize) -> None:
        self._restart()

    def _tick(self) -> None:
        self._request(step=True)

    def _request(self, step: bool) -> None:
        cols, rows = self.content_size.width, self.content_size.height
        if self._busy or self.rendition_class is None or cols < 1 or rows < 1:
            return
        self._busy = True
        self._advance(self.rendition_class, cols, rows, self._generation, step)

    @work(thread=True, group="rendition", exit_on_error=False)
    def _advance(
        self, cls: type[Rendition], cols: int, rows: int, generation: int, step: bool
    ) -> None:
        try:
            if self._rendition is None or self._built_generation != generation:
                self._rendition = cls(cols, rows, self.seed)
                self._built_generation = generation
            rendition = self._rendition
            while self._clicks:
                rendition.click(*self._clicks.popleft())
            if step:
                rendition.step()
            self.post_message(self.FrameReady(rendition.frame(), generation))
        finally:
            self._busy = False

    def on_rendition_view_frame_ready(self, message: FrameReady) -> None:
        message.stop()
        if message.generation != self._generation:
            return
        self.lines = message.lines
        self.frames += 1
        self.refresh()

    # -- input and painting -------------------------------------------------------------------
    def on_click(self, event: events.Click) -> None:
        if self.rendition_class is None:
            return
        offset = event.get_content_offset(self)
        if offset is None:
            return
        cols, rows = self.content_size.width, self.content_size.height
        self._clicks.append((min(max(offset.x, 0), cols - 1), min(max(offset.y, 0), rows - 1)))
        if not self.animating:  # paused: show the click's effect without advancing
            self._request(step=False)

    def render(self) -> Text:
        if self.rendition_class is None:
            return Text(PLACEHOLDER)
        colour = self.rendition_class.colour
        return Text("\n".join(self.lines), style=Style(color=colour), no_wrap=True, end="")

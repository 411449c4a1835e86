"""One column of the Compare screen: the conversation as this side saw it, and its answer
streaming in."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from quimbot_tui.widgets.chat_view import ChatMessage


class AnswerColumn(VerticalScroll, can_focus=True):
    """A scrollable transcript; ``stream`` appends to the answer being written."""

    DEFAULT_CSS = """
    AnswerColumn { width: 1fr; height: 1fr; border: round $primary-background; padding: 0 1; }
    AnswerColumn:focus { border: round $accent; }
    AnswerColumn .streaming { border-left: thick $warning; padding: 0 1; margin-left: 6; }
    """

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = title
        self._live: Static | None = None
        self._live_text = ""

    def show(self, messages: Sequence[dict[str, str]]) -> None:
        """Replace the transcript (system prompt left out)."""
        self.remove_children()
        self._live = None
        self.mount_all(
            ChatMessage(m["role"], m["content"]) for m in messages if m["role"] != "system"
        )
        self.scroll_end(animate=False)

    def begin_answer(self) -> None:
        self._live_text = ""
        self._live = Static(Text("…", style="dim"), classes="streaming")
        self.mount(self._live)
        self.scroll_end(animate=False)

    def stream(self, text: str) -> None:
        if self._live is None:
            self.begin_answer()
        self._live_text += text
        assert self._live is not None
        self._live.update(Text(self._live_text))
        if self.scroll_offset.y >= self.max_scroll_y - 2:
            self.scroll_end(animate=False)

    def end_answer(self, final_text: str, footer: str) -> None:
        if self._live is not None:
            self._live.remove()
            self._live = None
        self.mount(ChatMessage("assistant", final_text or "(empty answer)"))
        self.mount(Static(Text(footer, style="dim")))
        self.scroll_end(animate=False)

    @property
    def streaming_text(self) -> str:
        return self._live_text

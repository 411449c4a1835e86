"""A conversation rendered as a chat: one block per message, labelled by role."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

ROLE_STYLE = {"system": "italic $text-muted", "user": "$primary", "assistant": "$success"}


class ChatMessage(Static):
    DEFAULT_CSS = """
    ChatMessage { padding: 0 1; margin: 0 0 1 0; border-left: thick $primary; }
    ChatMessage.-user { border-left: thick $primary; margin-right: 6; }
    ChatMessage.-assistant { border-left: thick $success; margin-left: 6; }
    ChatMessage.-system { border-left: thick $warning; color: $text-muted; }
    """

    def __init__(self, role: str, content: str) -> None:
        text = Text()
        text.append(role.upper(), style="bold")
        text.append("\n")
        text.append(content)
        super().__init__(text, classes=f"-{role}")


class ChatView(VerticalScroll):
    """Shows a list of ``{"role", "content"}`` messages."""

    DEFAULT_CSS = """
    ChatView { height: 1fr; padding: 0 1; }
    """

    def show(self, messages: Sequence[dict[str, str]]) -> None:
        self.remove_children()
        self.mount_all(ChatMessage(m["role"], m["content"]) for m in messages)
        self.scroll_home(animate=False)

"""Views of one record: its raw JSON (highlighted by pygments through Rich) and what trains."""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static


def record_json(record: dict[str, Any]) -> str:
    """The record as it would be written out: messages, then its metadata and index fields."""
    shown = {
        "messages": [{"role": m["role"], "content": m["content"]} for m in record["messages"]],
    }
    if record.get("metadata"):
        shown["metadata"] = record["metadata"]
    shown["_index"] = {
        key: record.get(key)
        for key in ("id", "source", "format", "line_no", "hash", "user_md5", "turns", "chars",
                    "approx_tokens", "flags")
    }  # fmt: skip
    return json.dumps(shown, indent=2, ensure_ascii=False, default=str)


class RawJsonView(VerticalScroll):
    """The record's JSON with syntax highlighting."""

    DEFAULT_CSS = """
    RawJsonView { height: 1fr; }
    RawJsonView > Static { width: 1fr; }
    """

    def compose(self) -> Any:
        yield Static("", id="raw-json-text")

    def show(self, record: dict[str, Any] | None) -> None:
        from rich.syntax import Syntax  # pygments: loaded when a record is first shown

        text = self.query_one("#raw-json-text", Static)
        self.source_text = "" if record is None else record_json(record)
        if record is None:
            text.update("")
            return
        dark = getattr(self.app, "current_theme", None)
        theme = "monokai" if dark is None or dark.dark else "default"
        text.update(
            Syntax(
                self.source_text, "json", theme=theme, word_wrap=True, background_color="default"
            )
        )
        self.scroll_home(animate=False)


def trained_text(segments: list[tuple[str, bool]]) -> Text:
    """Trained runs bold on a green background, context dimmed; special tokens stay visible."""
    text = Text()
    for chunk, trained in segments:
        text.append(chunk, style="bold black on green" if trained else "dim")
    return text


class TrainedTokensView(VerticalScroll):
    """A record through a model's chat template: trained tokens highlighted, the count against
    the maximum length."""

    DEFAULT_CSS = """
    TrainedTokensView { height: 1fr; }
    TrainedTokensView > #trained-summary { padding: 0 1; }
    TrainedTokensView > #trained-text { padding: 0 1; }
    """

    def compose(self) -> Any:
        yield Static("", id="trained-summary")
        yield Static("", id="trained-text")

    def show_message(self, message: str) -> None:
        self.query_one("#trained-summary", Static).update(message)
        self.query_one("#trained-text", Static).update("")

    def show(self, view: Any, model: str) -> None:
        """``view`` is an ``engine.data_check.TrainedView``."""
        summary = self.query_one("#trained-summary", Static)
        if view.error:
            summary.update(Text(f"{model}: {view.error}", style="bold red"))
            self.query_one("#trained-text", Static).update("")
            return
        line = Text()
        line.append(f"{model}: ")
        line.append(f"{view.tokens:,} tokens", style="bold red" if view.over_length else "bold")
        if view.max_length is not None:
            line.append(f" of max {view.max_length:,}")
            if view.over_length:
                line.append("  OVER THE MAXIMUM: preflight leaves it out", style="bold red")
        line.append(f" · {view.trained:,} trained", style="bold green")
        if view.trained == 0:
            line.append("  nothing trains (the last turn is not the assistant's)", style="yellow")
        summary.update(line)
        self.query_one("#trained-text", Static).update(trained_text(view.segments))
        self.scroll_home(animate=False)

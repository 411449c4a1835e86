"""The queue of proposed topics: score, subreddit, counts, risk flags, title; one row each."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import DataTable

from quimbot_tui.widgets.topic_card import HARD_FLAGS

COLUMNS = (
    ("score", 9),
    ("subreddit", 16),
    ("upvotes", 7),
    ("comments", 8),
    ("flags", 14),
    ("title", 40),
)
SHORT_FLAGS = {"medical_claim": "medical", "finance_advice": "finance", "self_harm": "self-harm"}


def cells(topic: dict[str, Any]) -> tuple[Any, ...]:
    metrics = topic["record"]["metrics"]
    flags = Text()
    for flag in topic["record"].get("risk_flags") or []:
        style = "bold red" if flag in HARD_FLAGS else "yellow"
        flags.append("⚠" + SHORT_FLAGS.get(flag, flag) + " ", style=style)
    if topic.get("flagged"):
        flags.append("⚑", style="bold magenta")
    score = "–" if topic["score"] is None else f"{topic['score']:,.4g}"
    return (
        score,
        topic["subreddit"],
        f"{metrics['upvotes']:,}",
        f"{metrics['num_comments']:,}",
        flags,
        " ".join(topic["title"].split())[:90],
    )


class TopicQueue(DataTable):
    """Rows keyed by topic id. Removing or appending one row leaves the others alone, so a
    decision costs the same with ten topics waiting or ten thousand."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)

    def on_mount(self) -> None:
        for label, width in COLUMNS:
            self.add_column(label, width=width)

    def fill(self, topics: list[dict[str, Any]], index: int) -> None:
        self.clear()
        for topic in topics:
            self.add_row(*cells(topic), key=topic["topic_id"])
        self.point_at(index)

    def point_at(self, index: int) -> None:
        if self.row_count:
            self.move_cursor(row=max(0, min(index, self.row_count - 1)))

    def remove(self, topic_id: str, index: int) -> None:
        self.remove_row(topic_id)
        self.point_at(index)

    def append(self, topic: dict[str, Any]) -> None:
        self.add_row(*cells(topic), key=topic["topic_id"])

    def refresh_topic(self, topic: dict[str, Any]) -> None:
        for column, value in zip(self.columns, cells(topic), strict=True):
            self.update_cell(topic["topic_id"], column, value)

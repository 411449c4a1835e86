"""Topics: the queue of scored Reddit topics waiting for approval."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual import on, work
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Label, Static

from quimbot_tui.screens.base import WorkbenchScreen
from store import topics as store_topics


class TopicsScreen(WorkbenchScreen):
    MODE = "topics"
    CSS_PATH = "topics.tcss"
    HELP = (
        "Scored Reddit topics for the microlearning pipeline, best first, with a card "
        "for the selected one: metrics, risk flags, keywords and link."
    )
    BINDINGS = [Binding("r", "reload", "Reload")]

    def compose_body(self) -> Iterable:
        with Horizontal(id="topics-body"):
            with Vertical(id="queue-pane"):
                yield Label("Queue", id="queue-title", classes="panel-title")
                yield DataTable(id="queue", cursor_type="row", zebra_stripes=True)
            with Vertical(id="card-pane"):
                yield Static("", id="card")

    def on_mount(self) -> None:
        self.topics: list[dict[str, Any]] = []
        self.query_one("#queue", DataTable).add_columns(
            "score", "subreddit", "upvotes", "comments", "flags", "title"
        )
        super().on_mount()

    def reload(self) -> None:
        self.load_queue()

    @work(thread=True, exclusive=True, group="topics-load", exit_on_error=False)
    def load_queue(self) -> None:
        with self.workspace.db.connect() as con:
            topics = store_topics.queue(con)
        self.app.call_from_thread(self._show_queue, topics)

    def _show_queue(self, topics: list[dict[str, Any]]) -> None:
        self.topics = topics
        table = self.query_one("#queue", DataTable)
        table.clear()
        for t in topics:
            metrics = t["record"]["metrics"]
            score = f"{t['score']:.3f}" if t["score"] is not None else "–"
            table.add_row(
                score,
                t["subreddit"],
                f"{metrics['upvotes']:,}",
                f"{metrics['num_comments']:,}",
                ",".join(t["record"].get("risk_flags", [])),
                t["title"],
                key=t["topic_id"],
            )
        self.query_one("#queue-title", Label).update(f"Queue · {len(topics)} proposed")
        if not topics:
            self.query_one("#card", Static).update("No topics waiting.")

    @on(DataTable.RowHighlighted, "#queue")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        for t in self.topics:
            if t["topic_id"] == event.row_key.value:
                self.query_one("#card", Static).update(topic_card(t["record"]))

    def action_reload(self) -> None:
        self.reload()


def topic_card(record: dict[str, Any]) -> Text:
    metrics = record["metrics"]
    text = Text()
    text.append(record["title"] + "\n\n", style="bold")
    text.append(f"r/{record['source']['subreddit']}", style="cyan")
    text.append(f"  ·  {metrics['upvotes']:,} upvotes  ·  {metrics['num_comments']:,} comments\n")
    if "comment_velocity_per_hour" in metrics:
        text.append(
            f"{metrics['comment_velocity_per_hour']:.1f} comments/h  ·  "
            f"{metrics.get('upvote_velocity_per_hour', 0):.1f} upvotes/h\n"
        )
    for flag in record.get("risk_flags", []):
        text.append(f" ⚠ {flag} ", style="bold black on yellow")
        text.append(" ")
    if record.get("risk_flags"):
        text.append("\n")
    if record.get("keywords"):
        text.append("\nkeywords: " + ", ".join(record["keywords"]) + "\n", style="dim")
    text.append("\n" + record["url"], style="underline")
    return text

"""The card of one topic: title, subreddit, metrics, the score's components, risk flags,
keywords, the reviewer's flag and note, and the link."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

HARD_FLAGS = {"adult", "violence", "self_harm", "hate"}
TRENDINESS_LABELS = {
    "velocity": "velocity × 1.5",
    "comments": "comments × 0.3",
    "upvote_ratio": "upvote ratio × 20",
    "upvotes": "upvotes × 0.1 (≤ 50)",
    "risk": "risk flags × −15",
    "title": "title length",
}
POC_LABELS = {
    "v_comments": "comment velocity (0.45)",
    "v_upvotes": "upvote velocity (0.15)",
    "echo": "subreddit echo (0.15)",
    "feasible": "feasibility (0.15)",
    "novelty": "novelty (0.10)",
    "risk": "risk (−0.25)",
    "score_raw": "before the weight",
}


def _age(record: dict[str, Any]) -> str:
    if not record.get("created_at") or not record.get("captured_at"):
        return ""
    created = dt.datetime.fromisoformat(record["created_at"].replace("Z", "+00:00"))
    captured = dt.datetime.fromisoformat(record["captured_at"].replace("Z", "+00:00"))
    hours = (captured - created).total_seconds() / 3600
    return f"{hours:.0f} h old" if hours >= 1 else f"{hours * 60:.0f} min old"


def components_table(topic: dict[str, Any]) -> Table:
    c = topic.get("components") or {}
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim")
    table.add_column(justify="right")
    trendiness = "velocity" in c
    for key, label in (TRENDINESS_LABELS if trendiness else POC_LABELS).items():
        if key in c:
            value = c[key]
            table.add_row(label, f"{value:,.1f}" if trendiness else f"{value:,.3f}")
    extras = []
    if "velocity_value" in c:
        extras.append(f"velocity {c['velocity_value']:,} ({c.get('velocity_source')})")
    if "w_subreddit" in c:
        extras.append(f"× subreddit weight {c['w_subreddit']}")
    if "velocity" in c and c.get("novelty", 1.0) != 1.0:
        extras.append(f"× novelty {c['novelty']} (seen recently)")
    if extras:
        table.add_row(Text(" · ".join(extras), style="italic"), "")
    return table


def render_card(topic: dict[str, Any]) -> RenderableType:
    record = topic["record"]
    metrics = record["metrics"]
    head = Text()
    head.append(" ".join(record["title"].split()) + "\n\n", style="bold")
    head.append(f"r/{record['source']['subreddit']}", style="bold cyan")
    head.append(f"  ·  {metrics['upvotes']:,} upvotes  ·  {metrics['num_comments']:,} comments")
    age = _age(record)
    if age:
        head.append(f"  ·  {age}")
    head.append("\n")
    if "upvote_velocity_per_hour" in metrics:
        head.append(
            f"{metrics['upvote_velocity_per_hour']:,.1f} upvotes/h  ·  "
            f"{metrics.get('comment_velocity_per_hour', 0):,.1f} comments/h\n",
            style="dim",
        )
    head.append("\n")
    score = topic.get("score")
    head.append("Score ", style="bold")
    head.append("–" if score is None else f"{score:,}", style="bold green")
    if topic.get("scoring_version"):
        head.append(f"  ({topic['scoring_version']})", style="dim")
    tail = Text("\n")
    for flag in record.get("risk_flags") or []:
        style = "bold white on red" if flag in HARD_FLAGS else "bold black on yellow"
        tail.append(f" ⚠ {flag} ", style=style)
        tail.append(" ")
    if record.get("risk_flags"):
        tail.append("\n")
    if record.get("keywords"):
        tail.append("keywords: " + ", ".join(record["keywords"]) + "\n", style="dim")
    for angle in record.get("microlearning_angle_candidates") or []:
        tail.append(f"angle: {angle}\n", style="italic")
    if topic.get("flagged"):
        tail.append(" ⚑ flagged for a second look \n", style="bold black on magenta")
    if topic.get("note"):
        tail.append(f"note: {topic['note']}\n", style="bold")
    tail.append("\n" + record["url"], style="underline")
    return Group(head, components_table(topic), tail)


class TopicCard(Static):
    """Shows one topic (or a message when there is none)."""

    DEFAULT_CSS = "TopicCard { height: auto; }"

    def show(self, topic: dict[str, Any] | None, empty: str = "No topics waiting.") -> None:
        self.topic = topic
        self.update(render_card(topic) if topic else Text(empty, style="dim"))

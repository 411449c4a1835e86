"""Storing topic observations, with velocity measured against the previous observation.

Every observation of a post is kept. Its velocities (upvotes and comments per hour) are the
change since the previous observation of the same post divided by the hours between them. A
first sighting has no previous observation: its velocities are its counts divided by the
post's age (at least 0.1 h), never the counts themselves, which is how the original's
delta.json inflated first sightings (velocity = score + 2 x comments).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.microlearning.records import parse_time
from engine.microlearning.schemas import validate
from engine.microlearning.signals import fingerprint
from store import topics as store_topics

if TYPE_CHECKING:
    import duckdb

MIN_AGE_H = 0.1


@dataclass
class IngestResult:
    new_topics: int = 0
    observations: int = 0
    repeated: int = 0
    """Observations already stored (same post, same capture time)."""
    topic_ids: list[str] = field(default_factory=list)

    def add(self, other: IngestResult) -> None:
        self.new_topics += other.new_topics
        self.observations += other.observations
        self.repeated += other.repeated
        self.topic_ids += other.topic_ids


def velocities(
    upvotes: int,
    comments: int,
    captured: dt.datetime,
    previous: tuple[dt.datetime, int, int] | None,
    created: dt.datetime | None,
) -> tuple[float, float] | None:
    """(upvotes per hour, comments per hour), or None when nothing to measure against."""
    if previous is not None:
        hours = (captured - previous[0]).total_seconds() / 3600
        if hours > 0:
            return (
                round(max(upvotes - previous[1], 0) / hours, 2),
                round(max(comments - previous[2], 0) / hours, 2),
            )
    if created is None:
        return None
    age_h = max((captured - created).total_seconds() / 3600, MIN_AGE_H)
    return round(upvotes / age_h, 2), round(comments / age_h, 2)


def _with_velocities(
    record: dict[str, Any], previous: tuple[dt.datetime, int, int] | None
) -> dict[str, Any]:
    metrics = dict(record["metrics"])
    created = parse_time(record["created_at"], "created_at") if record.get("created_at") else None
    given = "upvote_velocity_per_hour" in metrics or "comment_velocity_per_hour" in metrics
    if previous is not None or not given:
        measured = velocities(
            metrics["upvotes"],
            metrics["num_comments"],
            parse_time(record["captured_at"], "captured_at"),
            previous,
            created,
        )
        if measured is not None:
            metrics["upvote_velocity_per_hour"] = measured[0]
            metrics["comment_velocity_per_hour"] = measured[1]
    return {**record, "metrics": metrics}


def ingest(con: duckdb.DuckDBPyConnection, records: Iterable[dict[str, Any]]) -> IngestResult:
    """Store each record as an observation; every stored record is a valid topic_record."""
    result = IngestResult()
    for record in records:
        topic_id = record["topic_id"]
        if store_topics.has_observation(con, topic_id, record["captured_at"]):
            result.repeated += 1
            continue
        previous = store_topics.observation_near(con, topic_id, record["captured_at"], before=True)
        record = _with_velocities(record, previous)
        validate("topic_record", record)
        new = store_topics.upsert(con, record, fingerprint=fingerprint(record["title"]))
        _refresh_next(con, record)
        result.observations += 1
        result.new_topics += int(new)
        result.topic_ids.append(topic_id)
    return result


def _refresh_next(con: duckdb.DuckDBPyConnection, record: dict[str, Any]) -> None:
    """An observation older than one already stored changes the next one's velocities."""
    topic_id = record["topic_id"]
    following = store_topics.observation_near(con, topic_id, record["captured_at"], before=False)
    if following is None:
        return
    captured = parse_time(record["captured_at"], "captured_at")
    measured = velocities(
        following[1],
        following[2],
        following[0],
        (captured, record["metrics"]["upvotes"], record["metrics"]["num_comments"]),
        None,
    )
    if measured is None:
        return
    store_topics.set_observation_velocity(con, topic_id, following[0], *measured)
    current = store_topics.get(con, topic_id)
    if current is None:
        return
    latest = current["record"]
    if parse_time(latest["captured_at"], "captured_at") == following[0]:
        metrics = {
            **latest["metrics"],
            "upvote_velocity_per_hour": measured[0],
            "comment_velocity_per_hour": measured[1],
        }
        store_topics.set_record(con, {**latest, "metrics": metrics})

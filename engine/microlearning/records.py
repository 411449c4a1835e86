"""Topic records (the ``topic_record`` schema) from every source the pipeline reads.

- a Reddit post read with praw (``from_post``);
- the original scraper/ingest.py's flat records, ``topics-*.jsonl`` (``from_flat``);
- the original propose.py's candidates, ``candidates/batch-*.json`` (``from_candidate``);
- schema topic records, e.g. the original scrape_reddit.py's output (``from_schema``).

Every record gets the canonical id ``sha1:`` + sha1("{subreddit}:{post_id}"); the original
flat records used the first 12 hex digits of the same hash, kept as ``raw.legacy_topic_id``.
Risk flags are always in the schema's vocabulary. Velocities are not set here: ``ingest``
measures them against the previous observation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from typing import Any

from engine.microlearning.signals import RiskMatcher, keywords, schema_flags

POST_ID = re.compile(r"/comments/([a-z0-9]+)", re.IGNORECASE)


class RecordError(ValueError):
    """A line that is not a topic in any known format, with the reason."""


def topic_id_for(subreddit: str, post_id: str) -> str:
    return "sha1:" + hashlib.sha1(f"{subreddit}:{post_id}".encode()).hexdigest()


def iso(moment: dt.datetime) -> str:
    """ISO-8601 UTC to the second, with a Z."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0).isoformat() + "Z"


def parse_time(value: Any, where: str) -> dt.datetime:
    """An ISO-8601 string or a Unix time, as naive UTC."""
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return dt.datetime.fromtimestamp(float(value), dt.UTC).replace(tzinfo=None)
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except (TypeError, ValueError, OverflowError, OSError):
        raise RecordError(f"{where}: not a time: {value!r}") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


def detect(obj: Any) -> str | None:
    """``topic_record``, ``flat``, ``candidate`` or None."""
    if not isinstance(obj, dict):
        return None
    if "source" in obj and "metrics" in obj:
        return "topic_record"
    if "trendiness_score" in obj or ("hook" in obj and "post_title" in obj):
        return "candidate"
    if "post_title" in obj and "subreddit" in obj:
        return "flat"
    return None


def _need(obj: Mapping[str, Any], *keys: str) -> None:
    missing = [k for k in keys if obj.get(k) in (None, "")]
    if missing:
        raise RecordError(f"missing {', '.join(missing)}")


def _count(obj: Mapping[str, Any], key: str) -> int:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RecordError(f"{key} is not a number: {value!r}")
    return max(int(value), 0)


def _post_id(obj: Mapping[str, Any], url: str) -> str:
    if obj.get("post_id"):
        return str(obj["post_id"])
    match = POST_ID.search(url)
    if not match:
        raise RecordError(f"no post id in {url!r}")
    return match.group(1)


def _base(
    subreddit: str, post_id: str, title: str, captured: dt.datetime, url: str | None = None
) -> dict[str, Any]:
    permalink = f"/r/{subreddit}/comments/{post_id}/"
    if url:
        match = re.search(r"(/r/[^?#]+)", url)
        permalink = match.group(1) if match else permalink
    return {
        "topic_id": topic_id_for(subreddit, post_id),
        "source": {
            "provider": "reddit",
            "subreddit": subreddit,
            "post_id": post_id,
            "post_permalink": permalink,
        },
        "title": title,
        "url": "https://www.reddit.com" + permalink,
        "captured_at": iso(captured),
    }


def from_flat(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A record of the original scraper/ingest.py (``topics-YYYY-MM-DD-HH.jsonl``)."""
    _need(obj, "subreddit", "post_title", "scraped_at")
    url = str(obj.get("post_url") or "")
    post_id = _post_id(obj, url)
    record = _base(
        str(obj["subreddit"]),
        post_id,
        str(obj["post_title"]),
        parse_time(obj["scraped_at"], "scraped_at"),
        url,
    )
    if obj.get("created_utc") is not None:
        record["created_at"] = iso(parse_time(obj["created_utc"], "created_utc"))
    record["metrics"] = {
        "upvotes": _count(obj, "score"),
        "num_comments": _count(obj, "num_comments"),
    }
    record["keywords"] = [str(k) for k in obj.get("keywords") or []]
    record["risk_flags"] = schema_flags(obj.get("risk_flags") or [])
    raw: dict[str, Any] = {"format": "reddit_flat"}
    for key in ("topic_id", "velocity", "upvote_ratio", "risk_flags"):
        if obj.get(key) is not None:
            raw["legacy_" + key if key in ("topic_id", "risk_flags") else key] = obj[key]
    record["raw"] = raw
    return record


def from_candidate(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A candidate of the original propose.py (``candidates/batch-*.json``)."""
    _need(obj, "subreddit", "post_title", "post_url")
    url = str(obj["post_url"])
    when = obj.get("proposed_at")
    if not when:
        raise RecordError("missing proposed_at")
    record = _base(
        str(obj["subreddit"]),
        _post_id(obj, url),
        str(obj["post_title"]),
        parse_time(when, "proposed_at"),
        url,
    )
    record["metrics"] = {
        "upvotes": _count(obj, "score"),
        "num_comments": _count(obj, "num_comments"),
    }
    record["keywords"] = [str(k) for k in obj.get("keywords") or []]
    record["risk_flags"] = schema_flags(obj.get("risk_flags") or [])
    raw: dict[str, Any] = {"format": "candidate_batch"}
    for key in (
        "topic_id",
        "velocity",
        "trendiness_score",
        "hook",
        "script_outline",
        "proposed_at",
        "status",
        "risk_flags",
    ):
        if obj.get(key) is not None:
            raw["legacy_" + key if key in ("topic_id", "risk_flags") else key] = obj[key]
    record["raw"] = raw
    return record


def from_schema(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A schema topic record, validated (flags outside the vocabulary are an error)."""
    from engine.microlearning.schemas import problems

    found = problems("topic_record", obj)
    if found:
        raise RecordError("not a valid topic_record: " + "; ".join(found[:3]))
    return dict(obj)


def from_post(
    post: Mapping[str, Any], captured: dt.datetime, matcher: RiskMatcher
) -> dict[str, Any]:
    """A Reddit post (the fields praw reads from a listing) as a topic record."""
    subreddit = str(post["subreddit"])
    post_id = str(post["id"])
    title = " ".join(str(post["title"]).split())
    record = _base(subreddit, post_id, title, captured)
    record["source"]["post_permalink"] = str(post.get("permalink") or "")
    if not record["source"]["post_permalink"]:
        record["source"]["post_permalink"] = f"/r/{subreddit}/comments/{post_id}/"
    record["url"] = "https://www.reddit.com" + record["source"]["post_permalink"]
    if post.get("author"):
        record["author"] = str(post["author"])
    if post.get("created_utc") is not None:
        record["created_at"] = iso(parse_time(post["created_utc"], "created_utc"))
    record["metrics"] = {
        "upvotes": max(int(post.get("ups") or post.get("score") or 0), 0),
        "num_comments": max(int(post.get("num_comments") or 0), 0),
    }
    record["keywords"] = keywords(title)
    record["entities"] = []
    record["risk_flags"] = matcher.flags(
        title, str(post.get("selftext") or ""), over_18=bool(post.get("over_18"))
    )
    raw: dict[str, Any] = {"format": "praw", "score": post.get("score")}
    if post.get("upvote_ratio") is not None:
        raw["upvote_ratio"] = float(post["upvote_ratio"])
    if post.get("link_url"):
        raw["link_url"] = str(post["link_url"])
    record["raw"] = raw
    return record

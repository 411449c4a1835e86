"""Content packets for approved topics: from templates offline, or from a model endpoint.

A packet is a ``content_packet`` (format, hook, beats with voice-over and on-screen text,
caption, hashtags, disclaimers for the topic's risk flags, safety notes). Only topics whose
decision in force is an approval get one; making it moves the topic to ``draft``.

The model path speaks the OpenAI chat-completions protocol to any compatible server (Ollama,
vLLM, llama.cpp, OpenRouter). The API key is read from the environment variable the config
names, sent only in the Authorization header, and never stored or printed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine import activity
from engine.microlearning import write_lock
from engine.microlearning.config import MicrolearningConfig, ModelEndpoint
from engine.microlearning.records import iso
from engine.microlearning.schemas import problems
from engine.microlearning.signals import (
    STOP_WORDS,
    clean_title,
    first_sentence,
    rest_after_first_sentence,
    shorten,
)
from store import approvals as store_approvals
from store import packets as store_packets
from store import topics as store_topics
from store.db import Database, transaction

PREFIX_WORDS = frozenset({"til", "eli5", "ysk", "lpt", "psa"})
DEFAULT_ANGLE = "why this happens and what it tells us"
"""The learning angle of a topic that brings none (microlearning_angle_candidates)."""


class PacketError(ValueError):
    """A packet that could not be made for one topic (the others still are)."""


def packet_id(topic_id: str) -> str:
    """``pkt_`` + the first 12 hex digits of the topic's hash (the original's packet ids)."""
    return "pkt_" + topic_id.removeprefix("sha1:")[:12]


def template_fields(record: dict[str, Any]) -> dict[str, str]:
    """The values a template may use (see configs/microlearning.toml)."""
    title = " ".join(record["title"].split())
    clean = clean_title(title)
    fact = first_sentence(clean, 200)
    if fact and fact[-1] not in ".!?…":
        fact += "."
    words = [k for k in record.get("keywords") or [] if k.lower() not in PREFIX_WORDS]
    sub = record["source"]["subreddit"]
    angles = record.get("microlearning_angle_candidates") or []
    metrics = record["metrics"]
    angle = angles[0] if angles else DEFAULT_ANGLE
    detail = rest_after_first_sentence(clean)
    return {
        "title": title,
        "fact": fact,
        "detail": detail or angle[:1].upper() + angle[1:] + ".",
        "short_title": shorten(first_sentence(clean, 200).rstrip("."), 90),
        "subreddit": sub,
        "upvotes": f"{metrics['upvotes']:,}",
        "num_comments": f"{metrics['num_comments']:,}",
        "keywords": ", ".join(words[:3]) or sub,
        "keyword1": words[0] if words else sub,
        "keyword2": words[1] if len(words) > 1 else sub,
        "angle": angle,
        "hook": "",
    }


def hashtags(config: MicrolearningConfig, record: dict[str, Any], extra: list[str]) -> list[str]:
    tags: list[str] = []
    words = [k for k in record.get("keywords") or [] if k.lower() not in PREFIX_WORDS]
    candidates = [*config.packets.hashtags, *extra, record["source"]["subreddit"], *words]
    for raw in candidates:
        body = re.sub(r"[^0-9A-Za-z_]", "", raw.lstrip("#"))
        if len(body) < 3 or body.lower() in STOP_WORDS or body.isdigit():
            continue
        tag = "#" + body
        if tag.lower() not in {t.lower() for t in tags}:
            tags.append(tag)
    return tags[: config.packets.max_hashtags]


def _base(config: MicrolearningConfig, topic: dict[str, Any], now: dt.datetime) -> dict:
    flags = list(topic["record"].get("risk_flags") or [])
    packet: dict[str, Any] = {
        "topic_id": topic["topic_id"],
        "generated_at": iso(now),
        "format": {
            "duration_seconds": config.packets.duration_seconds,
            "aspect_ratio": config.packets.aspect_ratio,
            "platform": config.packets.platform,
        },
    }
    disclaimers = [config.packets.disclaimers[f] for f in flags if f in config.packets.disclaimers]
    packet["disclaimers"] = disclaimers
    packet["safety"] = {"risk_flags": flags}
    if topic.get("approval_notes"):
        packet["safety"]["notes"] = "Reviewer: " + topic["approval_notes"]
    return packet


def _finish(packet: dict[str, Any]) -> dict[str, Any]:
    found = problems("content_packet", packet)
    if found:
        raise PacketError("not a valid content_packet: " + "; ".join(found[:3]))
    return packet


def from_template(
    config: MicrolearningConfig, topic: dict[str, Any], now: dt.datetime
) -> dict[str, Any]:
    template = config.packets.template
    values = template_fields(topic["record"])
    values["hook"] = template.hook.format_map(values)
    beats = []
    for number, beat in enumerate(template.beats, start=1):
        item: dict[str, Any] = {"beat": number, "voiceover": beat.voiceover.format_map(values)}
        for key in ("on_screen_text", "visual_notes"):
            text = getattr(beat, key).format_map(values)
            if text:
                item[key] = text
        beats.append(item)
    packet = _base(config, topic, now)
    packet["hook"] = values["hook"]
    packet["script"] = beats
    packet["caption"] = template.caption.format_map(values)
    packet["hashtags"] = hashtags(config, topic["record"], [])
    return _finish(packet)


PROMPT = """You write scripts for {seconds}-second vertical microlearning videos \
({platform}). Topic from r/{subreddit} ({upvotes} upvotes, {num_comments} comments):

{title}

Write for an 8th-grade reading level, 3 to 5 beats of one or two sentences each.
{risk}Answer with JSON only, exactly these keys:
{{"hook": "one sentence", "beats": [{{"voiceover": "...", "on_screen_text": "a few words", \
"visual_notes": "..."}}], "caption": "one or two sentences", "hashtags": ["#tag"]}}"""


def _post_json(endpoint: ModelEndpoint, body: dict[str, Any]) -> dict[str, Any]:
    headers = {"Content-Type": "application/json", "User-Agent": "quimbot-tui"}
    key = os.environ.get(endpoint.api_key_env, "") if endpoint.api_key_env else ""
    if key:
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(
        endpoint.base_url.rstrip("/") + "/chat/completions",
        data=json.dumps(body).encode("utf-8"),
        headers=headers,
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=endpoint.timeout_s) as response:
            data: dict[str, Any] = json.loads(response.read().decode("utf-8"))
            return data
    except urllib.error.HTTPError as exc:
        raise PacketError(f"the model endpoint answered HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PacketError(f"the model endpoint did not answer ({reason})") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise PacketError("the model endpoint's answer is not JSON") from None


def _parse_reply(text: str) -> dict[str, Any]:
    text = re.sub(r"^\s*```(?:json)?\s*|\s*```\s*$", "", text.strip())
    start, end = text.find("{"), text.rfind("}")
    try:
        data = json.loads(text[start : end + 1] if start >= 0 else text)
    except json.JSONDecodeError as exc:
        raise PacketError(f"the model's script is not JSON ({exc.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("beats"), list):
        raise PacketError("the model's script has no beats")
    return data


def from_model(
    config: MicrolearningConfig, topic: dict[str, Any], now: dt.datetime
) -> dict[str, Any]:
    endpoint = config.packets.model
    if not endpoint.base_url or not endpoint.model:
        raise PacketError("no model endpoint configured ([packets.model] base_url and model)")
    values = template_fields(topic["record"])
    flags = topic["record"].get("risk_flags") or []
    risk = f"The topic is flagged {', '.join(flags)}: stay factual and careful.\n" if flags else ""
    prompt = PROMPT.format(
        seconds=config.packets.duration_seconds,
        platform=config.packets.platform,
        risk=risk,
        **{k: values[k] for k in ("subreddit", "upvotes", "num_comments", "title")},
    )
    reply = _post_json(
        endpoint,
        {
            "model": endpoint.model,
            "messages": [
                {"role": "system", "content": "You write short, accurate educational scripts."},
                {"role": "user", "content": prompt},
            ],
            "temperature": endpoint.temperature,
            "max_tokens": endpoint.max_tokens,
        },
    )
    try:
        content = reply["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise PacketError("the model endpoint's answer has no message") from None
    data = _parse_reply(str(content))
    beats = []
    for number, beat in enumerate(data["beats"], start=1):
        if not isinstance(beat, dict) or not str(beat.get("voiceover", "")).strip():
            raise PacketError(f"the model's beat {number} has no voiceover")
        item = {"beat": number, "voiceover": str(beat["voiceover"]).strip()}
        for key in ("on_screen_text", "visual_notes"):
            if str(beat.get(key) or "").strip():
                item[key] = str(beat[key]).strip()
        beats.append(item)
    packet = _base(config, topic, now)
    packet["hook"] = str(data.get("hook") or beats[0]["voiceover"]).strip()
    packet["script"] = beats
    packet["caption"] = str(data.get("caption") or values["fact"]).strip()
    extra = [str(t) for t in data.get("hashtags") or [] if isinstance(t, str)]
    packet["hashtags"] = hashtags(config, topic["record"], extra)
    return _finish(packet)


@dataclass
class PacketReport:
    made: list[tuple[str, str]] = field(default_factory=list)
    """(topic_id, packet_id)."""
    errors: list[tuple[str, str]] = field(default_factory=list)
    """(topic_id, reason)."""

    def summary(self) -> str:
        return f"{len(self.made)} packet(s) drafted, {len(self.errors)} failed"


def make_packets(
    db: Database,
    config: MicrolearningConfig,
    *,
    generator: str | None = None,
    redo: bool = False,
    topic_ids: list[str] | None = None,
    now: dt.datetime | None = None,
    on_progress: Callable[[int, int, str], None] | None = None,
) -> PacketReport:
    """Draft a packet for every approved topic without one (and drafts again with ``redo``)."""
    make = from_model if (generator or config.packets.generator) == "model" else from_template
    name = "model:" + config.packets.model.model if make is from_model else "template"
    statuses = ["approved", "draft"] if redo else ["approved"]
    with db.connect() as con:
        topics = store_topics.by_status(con, statuses)
        for topic in topics:
            decision = store_approvals.current_for_topic(con, topic["topic_id"])
            topic["approved"] = bool(decision and decision["approved"])
            topic["approval_notes"] = decision["notes"] if decision else None
    topics = [t for t in topics if t["approved"]]
    if topic_ids is not None:
        topics = [t for t in topics if t["topic_id"] in set(topic_ids)]
    report = PacketReport()
    for index, topic in enumerate(topics):
        if on_progress:
            on_progress(index, len(topics), topic["title"][:60])
        moment = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
        try:
            packet = make(config, topic, moment)
        except PacketError as exc:
            report.errors.append((topic["topic_id"], str(exc)))
            continue
        pid = packet_id(topic["topic_id"])
        with write_lock, db.connect() as con, transaction(con):
            store_packets.add(con, pid, topic["topic_id"], packet, name, moment)
            store_topics.set_status(con, topic["topic_id"], "draft")
        report.made.append((topic["topic_id"], pid))
    if report.made or report.errors:
        activity.log(
            db,
            "topics.packets",
            None,
            generator=name,
            made=len(report.made),
            failed=len(report.errors),
        )
    return report

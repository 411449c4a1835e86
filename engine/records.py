"""The canonical chat record: validation, normalisation and the dedup keys.

A record is ``{"messages": [{"role": ..., "content": ...}, ...]}`` with roles ``system``,
``user`` and ``assistant`` and non-empty string contents. Normalisation follows the original
mix builder: contents are stripped, only ``role`` and ``content`` are kept, at least two
messages and one assistant message are required, and any other role rejects the whole record.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

ROLES = frozenset({"system", "user", "assistant"})


class Reason:
    """Reasons a line is rejected (the vocabulary shown in import summaries)."""

    INVALID_JSON = "invalid_json"
    INVALID_UTF8 = "invalid_utf8"
    NOT_AN_OBJECT = "not_an_object"
    UNKNOWN_FORMAT = "unknown_format"
    NO_MESSAGES = "no_messages"
    BAD_MESSAGE = "bad_message"
    BAD_ROLE = "bad_role"
    EMPTY_CONTENT = "empty_content"
    TOO_FEW_MESSAGES = "too_few_messages"
    NO_ASSISTANT_TURN = "no_assistant_turn"


class Flag:
    """Validation flags on accepted records (kept, but shown and checked before training)."""

    LAST_NOT_ASSISTANT = "last_not_assistant"
    ROLE_ORDER = "role_order"
    HAS_SYSTEM = "has_system"


class RecordError(ValueError):
    """A record that cannot be accepted, with its reason code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


Message = dict[str, str]


def normalise_messages(messages: Any) -> list[Message]:
    """Validate and normalise a message list, or raise :class:`RecordError`."""
    if not isinstance(messages, list):
        raise RecordError(Reason.NO_MESSAGES, "messages is not a list")
    out: list[Message] = []
    for index, item in enumerate(messages):
        if not isinstance(item, dict):
            raise RecordError(Reason.BAD_MESSAGE, f"message {index} is not an object")
        role = item.get("role")
        if role not in ROLES:
            raise RecordError(Reason.BAD_ROLE, f"message {index} has role {role!r}")
        content = item.get("content")
        if not isinstance(content, str):
            raise RecordError(Reason.EMPTY_CONTENT, f"message {index} has no string content")
        content = content.strip()
        if not content:
            raise RecordError(Reason.EMPTY_CONTENT, f"message {index} ({role}) is empty")
        out.append({"role": role, "content": content})
    if len(out) < 2:
        raise RecordError(Reason.TOO_FEW_MESSAGES, f"{len(out)} message(s), at least 2 needed")
    if not any(m["role"] == "assistant" for m in out):
        raise RecordError(Reason.NO_ASSISTANT_TURN, "no assistant message")
    return out


def dedup_key(messages: list[Message]) -> str:
    """The original's hard-dedup key: SHA-256 of the normalised list as sorted-key JSON.

    ``ensure_ascii=False`` and Python's default separators, encoded as UTF-8; bit-compatible
    with the original ``build_stage1_mix.py``.
    """
    payload = json.dumps(
        [{"role": m["role"], "content": m["content"]} for m in messages],
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def first_user_md5(messages: list[Message]) -> str | None:
    """The later TOEFL rule: MD5 of the first user message, lowercased and stripped."""
    for m in messages:
        if m["role"] == "user":
            return hashlib.md5(m["content"].strip().lower().encode("utf-8")).hexdigest()
    return None


def record_flags(messages: list[Message]) -> list[str]:
    flags: list[str] = []
    if messages[-1]["role"] != "assistant":
        flags.append(Flag.LAST_NOT_ASSISTANT)
    if any(m["role"] == "system" for m in messages):
        flags.append(Flag.HAS_SYSTEM)
    if not roles_in_order(messages):
        flags.append(Flag.ROLE_ORDER)
    return flags


def roles_in_order(messages: list[Message]) -> bool:
    """System only first; then user and assistant alternate, starting with the user."""
    body = messages
    if body and body[0]["role"] == "system":
        body = body[1:]
    for index, m in enumerate(body):
        expected = "user" if index % 2 == 0 else "assistant"
        if m["role"] != expected:
            return False
    return True


@dataclass(frozen=True)
class RecordStats:
    turns: int
    chars: int
    approx_tokens: int
    first_user: str
    last_role: str
    flags: list[str]


def approx_tokens(chars: int) -> int:
    """About four characters a token for English chat text (exact counts come from preflight)."""
    return (chars + 3) // 4


def record_stats(messages: list[Message]) -> RecordStats:
    chars = sum(len(m["content"]) for m in messages)
    first_user = next((m["content"] for m in messages if m["role"] == "user"), "")
    return RecordStats(
        turns=len(messages),
        chars=chars,
        approx_tokens=approx_tokens(chars),
        first_user=first_user,
        last_role=messages[-1]["role"],
        flags=record_flags(messages),
    )

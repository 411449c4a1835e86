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
    assistant = False
    for index, item in enumerate(messages):
        if not isinstance(item, dict):
            raise RecordError(Reason.BAD_MESSAGE, f"message {index} is not an object")
        role = item.get("role")
        if not isinstance(role, str) or role not in ROLES:  # (a list is not hashable)
            raise RecordError(Reason.BAD_ROLE, f"message {index} has role {role!r}")
        if role == "assistant":
            assistant = True
        content = item.get("content")
        if not isinstance(content, str):
            raise RecordError(Reason.EMPTY_CONTENT, f"message {index} has no string content")
        content = content.strip()
        if not content:
            raise RecordError(Reason.EMPTY_CONTENT, f"message {index} ({role}) is empty")
        out.append({"role": role, "content": content})
    if len(out) < 2:
        raise RecordError(Reason.TOO_FEW_MESSAGES, f"{len(out)} message(s), at least 2 needed")
    if not assistant:
        raise RecordError(Reason.NO_ASSISTANT_TURN, "no assistant message")
    return out


_quote = json.encoder.encode_basestring
"""The string encoder ``json.dumps(ensure_ascii=False)`` uses (the C one where available)."""


def _plain(text: str) -> bool:
    """Nothing in ``text`` that the JSON string encoder escapes."""
    return text.isprintable() and '"' not in text and "\\" not in text


def dedup_payload(messages: list[Message]) -> str:
    """``json.dumps([{"role", "content"}, ...], sort_keys=True, ensure_ascii=False)`` of
    normalised messages, written directly: the keys sorted are ``content`` then ``role``, the
    separators are the defaults, and a string is written by the encoder ``json.dumps`` uses,
    or as itself between quotes where it has nothing that encoder escapes (no control
    character, quote or backslash), which is what the encoder would write."""
    parts = []
    for m in messages:
        content, role = m["content"], m["role"]
        if not _plain(content):
            content = _quote(content)[1:-1]
        if not _plain(role):
            role = _quote(role)[1:-1]
        parts.append('{"content": "' + content + '", "role": "' + role + '"}')
    return "[" + ", ".join(parts) + "]"


def dedup_key(messages: list[Message]) -> str:
    """The original's hard-dedup key: SHA-256 of the normalised list as sorted-key JSON.

    ``ensure_ascii=False`` and Python's default separators, encoded as UTF-8; bit-compatible
    with the original ``build_stage1_mix.py`` (``dedup_payload`` writes that JSON).
    """
    return hashlib.sha256(dedup_payload(messages).encode("utf-8")).hexdigest()


_ROLE_TAILS = {role: b'", "role": "' + role.encode() + b'"}' for role in ROLES}


def encoded_keys(
    messages: list[Message], *, plain: bool = False
) -> tuple[list[bytes], str, str | None, int]:
    """The contents of normalised messages as UTF-8, with ``dedup_key(messages)``,
    ``first_user_md5(messages)`` and the characters of the contents, computed from that one
    encoding (what the importer stores). Raises ``UnicodeEncodeError`` where a content has a
    lone surrogate, as ``dedup_key`` does.

    ``plain``: the caller knows that no content or role has a character the JSON encoder
    escapes (they were parsed from JSON text without a backslash, where a string can hold no
    quote, backslash or control character)."""
    contents: list[bytes] = []
    payload = [b"["]  # dedup_payload(messages), as UTF-8
    user_md5 = None
    chars = 0
    opener = b'{"content": "'
    for m in messages:
        content, role = m["content"], m["role"]
        data = content.encode("utf-8")
        contents.append(data)
        chars += len(content)
        payload.append(opener)
        if plain or _plain(content):
            payload.append(data)
        else:
            payload.append(_quote(content)[1:-1].encode("utf-8"))
        tail = _ROLE_TAILS.get(role)
        if tail is None:
            tail = b'", "role": ' + _quote(role).encode("utf-8") + b"}"
        payload.append(tail)
        opener = b', {"content": "'
        if user_md5 is None and role == "user":
            text = content.strip()
            if text.isascii():  # str.lower() of ASCII text is bytes.lower() of its encoding
                lowered = (data if text is content else text.encode("utf-8")).lower()
            else:
                lowered = text.lower().encode("utf-8")
            user_md5 = hashlib.md5(lowered).hexdigest()
    payload.append(b"]")
    return contents, hashlib.sha256(b"".join(payload)).hexdigest(), user_md5, chars


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

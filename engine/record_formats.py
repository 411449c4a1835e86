"""Record formats: which format an input object is in, and its conversion to messages.

- ``messages``: the canonical ``{"messages": [{"role", "content"}]}``; extra keys become metadata
- ``scaffolding``: the original's scaffolding records (``messages`` plus ``l1_background``,
  ``proficiency``, ``error_type``, ...), the extra fields kept as metadata
- ``lmsys``: ``{"conversation": [{"role", "content"}]}``; only user/assistant turns with text
- ``sharegpt``: ShareGPT/Magpie ``{"conversations": [{"from", "value"}]}``
- ``prosocial``: ``{"context", "response"}`` as one user and one assistant turn
"""

from __future__ import annotations

from typing import Any

from engine.records import Reason, RecordError, normalise_messages

FORMATS = ("messages", "scaffolding", "lmsys", "sharegpt", "prosocial")
DEDUP_MODES = ("source", "cross-source", "first-user-md5")
SCAFFOLDING_KEYS = ("l1_background", "proficiency", "error_type", "error_pattern", "correct_form")
SHAREGPT_ROLES = {
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "chatgpt": "assistant",
    "bing": "assistant",
    "bard": "assistant",
    "system": "system",
}


def detect_format(obj: dict[str, Any]) -> str:
    if "messages" in obj:
        return "messages" if obj.keys().isdisjoint(SCAFFOLDING_KEYS) else "scaffolding"
    if "conversation" in obj:
        return "lmsys"
    if "conversations" in obj:
        return "sharegpt"
    if "context" in obj and "response" in obj:
        return "prosocial"
    raise RecordError(
        Reason.UNKNOWN_FORMAT,
        f"no messages/conversation/conversations/context keys in {sorted(obj)[:6]}",
    )


def convert(obj: dict[str, Any], fmt: str) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """Turn one input object into normalised messages and metadata, or raise RecordError."""
    if fmt in ("messages", "scaffolding"):
        if "messages" not in obj:
            raise RecordError(Reason.NO_MESSAGES, "no 'messages' key")
        metadata = {k: v for k, v in obj.items() if k != "messages"} if len(obj) > 1 else {}
        return normalise_messages(obj["messages"]), metadata
    if fmt == "lmsys":
        turns = obj.get("conversation")
        if not isinstance(turns, list):
            raise RecordError(Reason.NO_MESSAGES, "'conversation' is not a list")
        kept = [
            t
            for t in turns
            if isinstance(t, dict)
            and t.get("role") in ("user", "assistant")
            and isinstance(t.get("content"), str)
            and t["content"].strip()
        ]
        metadata = {k: v for k, v in obj.items() if k != "conversation"}
        if len(kept) != len(turns):
            metadata["dropped_turns"] = len(turns) - len(kept)
        return normalise_messages(kept), metadata
    if fmt == "sharegpt":
        turns = obj.get("conversations")
        if not isinstance(turns, list):
            raise RecordError(Reason.NO_MESSAGES, "'conversations' is not a list")
        messages = []
        for index, t in enumerate(turns):
            if not isinstance(t, dict):
                raise RecordError(Reason.BAD_MESSAGE, f"turn {index} is not an object")
            speaker = str(t.get("from", "")).lower()
            if speaker not in SHAREGPT_ROLES:
                raise RecordError(Reason.BAD_ROLE, f"turn {index} is from {t.get('from')!r}")
            messages.append({"role": SHAREGPT_ROLES[speaker], "content": t.get("value")})
        metadata = {k: v for k, v in obj.items() if k != "conversations"}
        return normalise_messages(messages), metadata
    if fmt == "prosocial":
        messages = [
            {"role": "user", "content": obj.get("context")},
            {"role": "assistant", "content": obj.get("response")},
        ]
        metadata = {k: v for k, v in obj.items() if k not in ("context", "response")}
        return normalise_messages(messages), metadata
    raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")

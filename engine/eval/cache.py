"""The reply cache: answers kept in the workspace database so a repeated run costs nothing.

The key is a SHA-256 over the model's identity (for a local adapter the content of its
weights, for a local base its config and weight files, for Ollama the model digest, for an
OpenAI-compatible endpoint its URL and model name), the exact conversation, the generation
settings and the suite. Only answers are cached, never errors, and never metrics: metrics
are computed again from the cached text, so a new or corrected metric applies to old answers.
A cached entry is read leniently (unknown keys are ignored, a broken entry is a miss), so a
hit can never crash a run, which is what every hit did in the original framework.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from engine.eval.results import Reply, from_mapping
from engine.workspace import Workspace
from store import evals as store_evals

CACHE_VERSION = 1


def cache_key(
    identity: Mapping[str, Any],
    conversation: Sequence[Mapping[str, str]],
    settings: Mapping[str, Any],
    suite: str,
) -> str:
    blob = json.dumps(
        {
            "v": CACHE_VERSION,
            "model": dict(identity),
            "conversation": [dict(m) for m in conversation],
            "settings": dict(settings),
            "suite": suite,
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ReplyCache:
    """Reads and writes cached replies through short-lived workspace connections."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def get_many(self, keys: Sequence[str]) -> dict[str, Reply]:
        with self.ws.db.connect() as con:
            stored = store_evals.cached_replies(con, list(keys))
        out = {}
        for key, data in stored.items():
            reply = _readable(data)
            if reply is not None:
                out[key] = reply
        return out

    def put(
        self, key: str, suite: str, model: str, identity: Mapping[str, Any], reply: Reply
    ) -> None:
        if not reply.ok:
            return
        with self.ws.db.connect() as con:
            store_evals.put_reply(con, key, suite, model, dict(identity), reply.as_dict())

    def clear(self, suite: str | None = None) -> int:
        with self.ws.db.connect() as con:
            return store_evals.clear_cache(con, suite)


def _readable(data: Mapping[str, Any]) -> Reply | None:
    """A cached reply, or None (a miss) for an entry that is not a usable answer."""
    if not isinstance(data.get("text"), str):
        return None
    try:
        reply = from_mapping(Reply, data)
    except TypeError:
        return None
    numbers = (reply.seconds, reply.tokens, reply.prompt_tokens, reply.first_token_s)
    if not reply.ok:
        return None
    if not all(v is None or isinstance(v, int | float) for v in (*numbers, reply.tokens_per_s)):
        return None
    return reply

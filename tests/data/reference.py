"""The plain Python rule, line by line: what the importer must reproduce exactly.

The keys are computed here as the original did (``json.dumps`` with sorted keys, ``sha256``;
``md5`` of the lowercased first user message), not with the importer's faster writer."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from engine.importers import python_line
from engine.records import Reason, record_stats


@dataclass
class Expected:
    accepted: dict[int, dict[str, Any]] = field(default_factory=dict)
    duplicates: list[int] = field(default_factory=list)
    rejected: dict[int, str] = field(default_factory=dict)


def reference_import(lines: list[bytes], *, key: str = "hash") -> Expected:
    out = Expected()
    seen: set[str] = set()
    for line_no, raw in enumerate(lines, start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            out.rejected[line_no] = Reason.INVALID_UTF8
            continue
        result = python_line(line_no, text, None)
        if len(result) == 4:
            out.rejected[line_no] = result[1]
            continue
        _, fmt, messages, meta, hash_, user_md5, _chars = result
        payload = json.dumps(
            [{"role": m["role"], "content": m["content"]} for m in messages],
            sort_keys=True,
            ensure_ascii=False,
        )
        assert hash_ == hashlib.sha256(payload.encode("utf-8")).hexdigest()
        users = [m["content"] for m in messages if m["role"] == "user"]
        first = users[0].strip().lower().encode("utf-8") if users else None
        assert user_md5 == (hashlib.md5(first).hexdigest() if first is not None else None)
        k = user_md5 if key == "user_md5" else hash_
        if k is not None and k in seen:
            out.duplicates.append(line_no)
            continue
        if k is not None:
            seen.add(k)
        stats = record_stats(messages)
        out.accepted[line_no] = {
            "fmt": fmt,
            "messages": messages,
            "metadata": json.loads(meta) if meta else {},
            "hash": hash_,
            "user_md5": user_md5,
            "turns": stats.turns,
            "chars": stats.chars,
            "approx_tokens": stats.approx_tokens,
            "first_user": stats.first_user,
            "last_role": stats.last_role,
            "flags": stats.flags,
        }
    return out

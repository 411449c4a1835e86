"""Importers: read chat data in the known formats into the record index.

Every input line is accounted for: accepted, duplicate, or rejected with its file, line number
and reason. One file is imported in one transaction, so an import stopped half-way (Ctrl-C,
kill) leaves the index as it was, and can simply be run again.

Formats (detected per line, or forced with ``fmt``):

- ``messages``: the canonical ``{"messages": [{"role", "content"}]}``; extra keys become metadata
- ``scaffolding``: the original's scaffolding records (``messages`` plus ``l1_background``,
  ``proficiency``, ``error_type``, ...), the extra fields kept as metadata
- ``lmsys``: ``{"conversation": [{"role", "content"}]}``; only user/assistant turns with text
- ``sharegpt``: ShareGPT/Magpie ``{"conversations": [{"from", "value"}]}``
- ``prosocial``: ``{"context", "response"}`` as one user and one assistant turn
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from engine.records import (
    Reason,
    RecordError,
    dedup_key,
    first_user_md5,
    normalise_messages,
    record_stats,
)
from store import records as store_records
from store.db import Database, transaction

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
RAW_KEEP = 2000
BATCH = 5000


def detect_format(obj: dict[str, Any]) -> str:
    if "messages" in obj:
        return "scaffolding" if any(k in obj for k in SCAFFOLDING_KEYS) else "messages"
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
        metadata = {k: v for k, v in obj.items() if k != "messages"}
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


def source_name(path: Path) -> str:
    name = path.name
    for suffix in (".gz", ".jsonl", ".json", ".parquet"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return re.sub(r"[^a-z0-9_.-]+", "-", name.lower()).strip("-") or "data"


@dataclass
class ImportSummary:
    path: Path
    source: str
    lines: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    formats: Counter[str] = field(default_factory=Counter)
    import_id: int | None = None

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "source": self.source,
            "lines": self.lines,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": dict(sorted(self.rejected.items())),
            "formats": dict(sorted(self.formats.items())),
            "import_id": self.import_id,
        }


ProgressFn = Callable[[int, int], None]


def _open_binary(path: Path) -> BinaryIO:
    if path.suffix == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _lines(path: Path) -> Iterator[tuple[int, bytes, int]]:
    """(line number, raw line, bytes read so far) for every line of a JSONL file."""
    with _open_binary(path) as fh:
        done = 0
        for number, raw in enumerate(fh, start=1):
            done += len(raw)
            yield number, raw, done


class _Batch:
    """Accepted rows gathered column by column for one Arrow insert."""

    def __init__(self) -> None:
        self.columns: dict[str, list[Any]] = {
            name: []
            for name in (
                "source",
                "import_id",
                "line_no",
                "hash",
                "user_md5",
                "turns",
                "chars",
                "approx_tokens",
                "first_user",
                "last_role",
                "flags",
                "messages",
                "metadata",
                "imported_at",
            )
        }

    def __len__(self) -> int:
        return len(self.columns["line_no"])

    def add(self, **values: Any) -> None:
        for name, column in self.columns.items():
            column.append(values[name])

    def to_arrow(self) -> Any:
        import pyarrow as pa

        message = pa.struct([("role", pa.string()), ("content", pa.string())])
        schema = pa.schema(
            [
                ("source", pa.string()),
                ("import_id", pa.int64()),
                ("line_no", pa.int64()),
                ("hash", pa.string()),
                ("user_md5", pa.string()),
                ("turns", pa.int32()),
                ("chars", pa.int32()),
                ("approx_tokens", pa.int32()),
                ("first_user", pa.string()),
                ("last_role", pa.string()),
                ("flags", pa.list_(pa.string())),
                ("messages", pa.list_(message)),
                ("metadata", pa.string()),
                ("imported_at", pa.timestamp("us")),
            ]
        )
        return pa.table(self.columns, schema=schema)


def import_file(
    db: Database,
    path: Path,
    *,
    source: str | None = None,
    fmt: str | None = None,
    dedup: str = "source",
    on_progress: ProgressFn | None = None,
) -> ImportSummary:
    """Import one JSONL (or .jsonl.gz) file; return its line accounting."""
    path = Path(path)
    if fmt is not None and fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
    if dedup not in DEDUP_MODES:
        raise ValueError(f"unknown dedup mode {dedup!r}; known: {', '.join(DEDUP_MODES)}")
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    summary = ImportSummary(path=path.resolve(), source=source or source_name(path))
    total_bytes = path.stat().st_size
    key_column = "user_md5" if dedup == "first-user-md5" else "hash"
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rejects: list[tuple[Any, ...]] = []

    with db.connect() as con, transaction(con):
        import_id = store_records.next_import_id(con)
        summary.import_id = import_id
        seen = store_records.existing_keys(
            con, key_column, None if dedup == "cross-source" else summary.source
        )
        batch = _Batch()

        def reject(line_no: int, reason: str, detail: str, raw: bytes) -> None:
            summary.rejected[reason] += 1
            text = raw[:RAW_KEEP].decode("utf-8", errors="replace").rstrip("\n")
            rejects.append(
                (import_id, summary.source, str(summary.path), line_no, reason, detail, text)
            )

        for line_no, raw, done in _lines(path):
            summary.lines += 1
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                reject(line_no, Reason.INVALID_UTF8, f"byte {exc.start}: {exc.reason}", raw)
                continue
            if not text.strip():
                reject(line_no, "blank_line", "empty line", raw)
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                reject(line_no, Reason.INVALID_JSON, f"column {exc.colno}: {exc.msg}", raw)
                continue
            try:
                if not isinstance(obj, dict):
                    raise RecordError(Reason.NOT_AN_OBJECT, f"a JSON {type(obj).__name__}")
                line_fmt = fmt or detect_format(obj)
                messages, metadata = convert(obj, line_fmt)
            except RecordError as exc:
                reject(line_no, exc.reason, exc.detail, raw)
                continue
            key_hash = dedup_key(messages)
            user_key = first_user_md5(messages)
            key = user_key if key_column == "user_md5" else key_hash
            if key in seen:
                summary.duplicates += 1
                continue
            if key is not None:
                seen.add(key)
            stats = record_stats(messages)
            summary.accepted += 1
            summary.formats[line_fmt] += 1
            batch.add(
                source=summary.source,
                import_id=import_id,
                line_no=line_no,
                hash=key_hash,
                user_md5=user_key,
                turns=stats.turns,
                chars=stats.chars,
                approx_tokens=stats.approx_tokens,
                first_user=stats.first_user,
                last_role=stats.last_role,
                flags=stats.flags,
                messages=messages,
                metadata=json.dumps(metadata, ensure_ascii=False) if metadata else None,
                imported_at=now,
            )
            if len(batch) >= BATCH:
                store_records.insert_records(con, batch.to_arrow())
                batch = _Batch()
            if on_progress is not None and summary.lines % 1000 == 0:
                on_progress(done, total_bytes)
        if len(batch):
            store_records.insert_records(con, batch.to_arrow())
        store_records.insert_rejects(con, rejects)
        store_records.insert_import(
            con,
            {
                "id": import_id,
                "source": summary.source,
                "path": str(summary.path),
                "format": fmt or ",".join(sorted(summary.formats)) or None,
                "dedup": dedup,
                "started_at": now,
                "finished_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
                "status": "done",
                "lines": summary.lines,
                "accepted": summary.accepted,
                "duplicates": summary.duplicates,
                "rejected": summary.rejected_total,
            },
        )
    if on_progress is not None:
        on_progress(total_bytes, total_bytes)
    return summary

"""Importers: read chat data in the known formats into the record index.

Every input line is accounted for: accepted, duplicate, or rejected with its file, line number
and reason. One input is imported in one transaction, so an import stopped half-way (Ctrl-C,
kill, ``should_stop``) leaves the index as it was, and can simply be run again.

Inputs (``engine.import_readers``): JSONL (plain or .gz), JSON arrays, Parquet, and Hugging Face
datasets saved on disk or in the local cache; for Parquet and datasets a "line" is a row number.
Formats (``engine.record_formats``) are detected per line, or forced with ``fmt``.

The work is done in bulk: DuckDB parses, normalises and builds the hash payload of every line it
can (``store.ingest``), Python hashes the payloads with hashlib, and only the lines DuckDB
cannot take go through the Python rule line by line, which gives each its reason. Candidates
from both paths are deduplicated together, in line order, so the result is the same as the
plain Python loop's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine import activity
from engine.import_readers import Batch, input_kind, read
from engine.record_formats import (
    DEDUP_MODES,
    FORMATS,
    SCAFFOLDING_KEYS,
    SHAREGPT_ROLES,
    convert,
    detect_format,
)
from engine.records import ROLES, Reason, RecordError, dedup_key, first_user_md5
from store import ingest as store_ingest
from store import records as store_records
from store.db import Database, transaction

__all__ = [
    "DEDUP_MODES",
    "FORMATS",
    "ImportCancelled",
    "ImportSummary",
    "convert",
    "detect_format",
    "import_file",
    "import_paths",
    "source_name",
]

RAW_KEEP = 2000
PY_WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
RULES = store_ingest.Rules(
    roles=tuple(sorted(ROLES)),
    whitespace=PY_WHITESPACE,
    scaffolding_keys=SCAFFOLDING_KEYS,
    sharegpt_roles=SHAREGPT_ROLES,
)
BLANK_LINE = "blank_line"


class ImportCancelled(Exception):
    """``should_stop`` asked the import to stop; nothing of it was kept."""


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
    kind: str = "jsonl"
    lines: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    formats: Counter[str] = field(default_factory=Counter)
    import_id: int | None = None
    seconds: float = 0.0

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "source": self.source,
            "kind": self.kind,
            "lines": self.lines,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": dict(sorted(self.rejected.items())),
            "formats": dict(sorted(self.formats.items())),
            "import_id": self.import_id,
            "seconds": round(self.seconds, 3),
        }


ProgressFn = Callable[[float, float], None]
Reject = tuple[int, str, str, str]


def python_line(line_no: int, text: str, fmt: str | None) -> Reject | tuple[Any, ...]:
    """The Python rule for one line: a reject ``(line, reason, detail, raw)`` or a
    candidate ``(line_no, fmt, messages, metadata, hash, user_md5, chars)``."""
    if not text.strip():
        return (line_no, BLANK_LINE, "empty line", text)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        return (line_no, Reason.INVALID_JSON, f"character {exc.pos + 1}: {exc.msg}", text)
    except RecursionError:
        return (line_no, Reason.INVALID_JSON, "nested too deeply", text)
    try:
        if not isinstance(obj, dict):
            raise RecordError(Reason.NOT_AN_OBJECT, f"a JSON {type(obj).__name__}")
        line_fmt = fmt or detect_format(obj)
        messages, metadata = convert(obj, line_fmt)
        key = dedup_key(messages)
        meta = json.dumps(metadata, ensure_ascii=False) if metadata else None
        if meta is not None:
            meta.encode("utf-8")
    except RecordError as exc:
        return (line_no, exc.reason, exc.detail, text)
    except UnicodeEncodeError as exc:
        detail = f"a lone surrogate escape ({exc.object[exc.start : exc.end]!a})"
        return (line_no, Reason.INVALID_UTF8, detail, text)
    chars = sum(len(m["content"]) for m in messages)
    return (line_no, line_fmt, messages, meta, key, first_user_md5(messages), chars)


def _python_table(rows: list[tuple[Any, ...]]) -> Any:
    import pyarrow as pa

    message = pa.struct([("role", pa.string()), ("content", pa.string())])
    columns: list[Any] = list(zip(*rows, strict=True)) if rows else [[] for _ in range(7)]
    schema = pa.schema(
        [
            ("line_no", pa.int64()),
            ("fmt", pa.string()),
            ("msgs", pa.list_(message)),
            ("meta", pa.string()),
            ("hash", pa.string()),
            ("user_md5", pa.string()),
            ("chars", pa.int32()),
        ]
    )
    return pa.table([list(c) for c in columns], schema=schema)


def _user_keys(rows: list[tuple[int, str]]) -> Any:
    """First-user MD5 keys computed by Python, where DuckDB cannot lowercase like Python."""
    import pyarrow as pa

    md5 = hashlib.md5
    return pa.table(
        {
            "line_no": pa.array([r[0] for r in rows], pa.int64()),
            "user_md5": pa.array(
                [md5(r[1].strip().lower().encode("utf-8")).hexdigest() for r in rows], pa.string()
            ),
        }
    )


class _Import:
    """One input's import inside one transaction."""

    def __init__(self, con: Any, summary: ImportSummary, fmt: str | None, dedup: str) -> None:
        self.con, self.summary, self.fmt, self.dedup = con, summary, fmt, dedup
        self.rejects: list[tuple[Any, ...]] = []
        self.now = dt.datetime.now(dt.UTC).replace(tzinfo=None)

    def reject(self, line_no: int, reason: str, detail: str, raw: str) -> None:
        s = self.summary
        s.rejected[reason] += 1
        text = raw[:RAW_KEEP].rstrip("\r\n")
        self.rejects.append((s.import_id, s.source, str(s.path), line_no, reason, detail, text))

    def batch(self, batch: Batch) -> None:
        self.summary.lines += batch.count
        for line_no, reason, detail, raw in batch.rejects:
            self.reject(line_no, reason, detail, raw)
        lines = batch.lines
        if batch.rows is not None:
            lines = store_ingest.rows_as_lines(self.con, batch.rows, batch.first_line)
        if lines is None or lines.num_rows == 0:
            return
        con = self.con
        store_ingest.stage_lines(con, lines, RULES, self.fmt)
        python_rows = []
        for line_no, raw in store_ingest.slow_lines(con, lines):
            result = python_line(line_no, raw, self.fmt)
            if len(result) == 4:
                self.reject(*result)  # type: ignore[arg-type]
            else:
                python_rows.append(result)
        user_keys = _user_keys(store_ingest.first_users_for_python(con))
        candidates, inserted = store_ingest.insert_batch(
            con,
            _python_table(python_rows),
            user_keys,
            source=self.summary.source,
            import_id=int(self.summary.import_id or 0),
            key_column="user_md5" if self.dedup == "first-user-md5" else "hash",
            scope_source=self.dedup != "cross-source",
            imported_at=self.now,
        )
        self.summary.accepted += inserted
        self.summary.duplicates += candidates - inserted

    def finish(self) -> None:
        s = self.summary
        s.formats.update(store_ingest.format_counts(self.con, int(s.import_id or 0)))
        store_records.insert_rejects(self.con, self.rejects)
        store_records.insert_import(
            self.con,
            {
                "id": s.import_id,
                "source": s.source,
                "path": str(s.path),
                "format": self.fmt or ",".join(sorted(s.formats)) or None,
                "dedup": self.dedup,
                "started_at": self.now,
                "finished_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
                "status": "done",
                "lines": s.lines,
                "accepted": s.accepted,
                "duplicates": s.duplicates,
                "rejected": s.rejected_total,
            },
        )
        store_ingest.drop_temp(self.con)


def import_file(
    db: Database,
    path: Path | str,
    *,
    source: str | None = None,
    fmt: str | None = None,
    dedup: str = "source",
    kind: str | None = None,
    split: str | None = None,
    on_progress: ProgressFn | None = None,
    should_stop: Callable[[], bool] | None = None,
    log: bool = True,
) -> ImportSummary:
    """Import one input (a file, a saved dataset folder, or a dataset id); return its line
    accounting. ``kind`` forces the input kind (jsonl, json, parquet, datasets)."""
    path = Path(path)
    if fmt is not None and fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
    if dedup not in DEDUP_MODES:
        raise ValueError(f"unknown dedup mode {dedup!r}; known: {', '.join(DEDUP_MODES)}")
    kind = input_kind(path, kind)
    shown = path.resolve() if path.exists() else path
    summary = ImportSummary(path=shown, source=source or source_name(path), kind=kind)
    started = time.perf_counter()
    with db.connect() as con, transaction(con):
        store_ingest.limit_memory(con)
        summary.import_id = store_records.next_import_id(con)
        job = _Import(con, summary, fmt, dedup)
        for batch in read(path, kind, split):
            if should_stop is not None and should_stop():
                raise ImportCancelled(f"{path}: import stopped; nothing of it was kept")
            job.batch(batch)
            if on_progress is not None:
                on_progress(batch.done, batch.total)
        job.finish()
    summary.seconds = time.perf_counter() - started
    if log:
        activity.log(db, "data.import", str(summary.path), **_log_detail(summary))
    return summary


def _log_detail(summary: ImportSummary) -> dict[str, Any]:
    return {
        "source": summary.source,
        "lines": summary.lines,
        "accepted": summary.accepted,
        "duplicates": summary.duplicates,
        "rejected": summary.rejected_total,
    }


def import_paths(
    db: Database,
    paths: Iterable[Path | str],
    *,
    on_file: Callable[[Path, int, int], None] | None = None,
    **options: Any,
) -> list[ImportSummary]:
    """Import several inputs one after another (each in its own transaction)."""
    paths = list(paths)
    out = []
    for index, path in enumerate(paths):
        if on_file is not None:
            on_file(Path(path), index, len(paths))
        out.append(import_file(db, path, **options))
    return out

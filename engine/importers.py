"""Importers: read chat data in the known formats into the record index.

Every input line is accounted for: accepted, duplicate, or rejected with its file, line number
and reason. One input is imported in one transaction, so an import stopped half-way (Ctrl-C,
kill, ``should_stop``) leaves the index as it was, and can simply be run again.

Inputs (``engine.import_readers``): JSONL (plain or .gz), JSON arrays, Parquet, and Hugging Face
datasets saved on disk or in the local cache; for Parquet and datasets a "line" is a row number.
Formats (``engine.record_formats``) are detected per line, or forced with ``fmt``.

Every line goes through the Python rule (``engine.import_rule.python_line``). For a big input
the rule runs in worker processes, one per CPU core, each on its own part of the input (byte
ranges of a plain JSONL file, read by the worker), and hands back its candidates as an Arrow
file in a temporary folder; this process takes the parts in input order and deduplicates and
inserts each in DuckDB (``store.ingest``) while the workers go on with the next parts. Line
numbers, duplicates and ids follow the input order, so the result is the plain loop's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import shutil
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine import activity
from engine.import_readers import Batch, input_kind, read
from engine.import_rule import BLANK_LINE, RAW_KEEP, Piece, PieceResult, python_line
from engine.import_rule import run as run_piece
from engine.record_formats import DEDUP_MODES, FORMATS, convert, detect_format
from store import ingest as store_ingest
from store import records as store_records
from store.db import Database, transaction

__all__ = [
    "BLANK_LINE",
    "DEDUP_MODES",
    "FORMATS",
    "ImportCancelled",
    "ImportSummary",
    "convert",
    "detect_format",
    "import_file",
    "import_paths",
    "python_line",
    "source_name",
]

PARALLEL_MIN_BYTES = 32 << 20
"""Inputs smaller than this are imported in this process (starting workers costs more)."""
MAX_WORKERS = 8


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


def worker_count(path: Path, kind: str, workers: int | None = None) -> int:
    """Processes for the rule: ``workers`` if given, else one per CPU core this process may use
    (at most ``MAX_WORKERS``) for an input of at least ``PARALLEL_MIN_BYTES``, else none (1)."""
    if workers is not None:
        return max(1, workers)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    if path.is_file():
        size = path.stat().st_size
    elif path.is_dir():
        size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    else:
        size = PARALLEL_MIN_BYTES  # a dataset id: assume a big one
    return min(cores, MAX_WORKERS) if size >= PARALLEL_MIN_BYTES else 1


TEMP_PREFIX = "quimbot-import-"


def _remove_stale_folders() -> None:
    """Temporary folders of imports whose process is gone (killed before it cleaned up)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{TEMP_PREFIX}*-*"):
        pid = folder.name[len(TEMP_PREFIX) :].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:  # alive, another user's
            continue


class _Runner:
    """Runs pieces of input through the rule: here, or in worker processes (results are
    taken in submission order; at most ``depth`` are waiting)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.depth = 0 if workers <= 1 else 2 * workers
        self._pool: Any = None
        self._dir: str | None = None
        if workers > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            from engine.import_rule import worker_init

            _remove_stale_folders()
            self._dir = tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-")
            self._pool = ProcessPoolExecutor(
                workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=worker_init,
                initargs=(os.getpid(),),
            )
            for _ in range(workers):  # start them now, while the database opens
                self._pool.submit(os.getpid)

    def submit(self, piece: Piece) -> Any:
        if self._pool is None:
            return run_piece(piece)
        return self._pool.submit(run_piece, dataclasses.replace(piece, out_dir=self._dir))

    @staticmethod
    def result(handle: Any) -> PieceResult:
        return handle if isinstance(handle, PieceResult) else handle.result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)


class _Import:
    """One input's import inside one transaction."""

    def __init__(
        self, con: Any, summary: ImportSummary, fmt: str | None, dedup: str, path: Path
    ) -> None:
        self.con, self.summary, self.fmt, self.dedup = con, summary, fmt, dedup
        self.path = str(path)
        self.rejects: list[tuple[Any, ...]] = []
        self.now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        self.key_column = "user_md5" if dedup == "first-user-md5" else "hash"
        self.scope = summary.source if dedup != "cross-source" else None
        self.stored_up_to = store_ingest.last_record_id(con, source=self.scope)
        self.seen: set[str] = set()

    def reject(self, line_no: int, reason: str, detail: str, raw: str) -> None:
        s = self.summary
        s.rejected[reason] += 1
        text = raw[:RAW_KEEP].rstrip("\r\n")
        self.rejects.append((s.import_id, s.source, str(s.path), line_no, reason, detail, text))

    def piece(self, batch: Batch) -> Piece:
        """What the rule runs on for this batch (typed rows become JSON texts here)."""
        if batch.span is not None:
            return Piece(self.fmt, path=self.path, start=batch.span[0], end=batch.span[1])
        if batch.data is not None:
            return Piece(self.fmt, data=batch.data)
        if batch.rows is not None:
            lines = store_ingest.rows_as_lines(self.con, batch.rows, batch.first_line)
            numbers = lines["line_no"].to_pylist()
            return Piece(self.fmt, texts=lines["raw"].to_pylist(), numbers=numbers)
        return Piece(self.fmt, texts=batch.texts or [], numbers=batch.numbers)

    def add(self, batch: Batch, result: PieceResult) -> None:
        """The rule's result for a batch: count, reject and insert, in input order."""
        s = self.summary
        # JSONL pieces number their lines from 0; the input's lines continue from here.
        base = s.lines + 1 if batch.count is None else 0
        s.lines += result.lines if batch.count is None else batch.count
        shifted = [
            (line + base, reason, detail, raw) for line, reason, detail, raw in result.rejects
        ]
        for line_no, reason, detail, raw in sorted(batch.rejects + shifted):
            self.reject(line_no, reason, detail, raw)
        table = result.load()
        if table is not None and table.num_rows:
            keep = self.new_ones(table)
            s.accepted += store_ingest.insert_batch(
                self.con,
                table,
                keep,
                line_base=base,
                source=s.source,
                import_id=int(s.import_id or 0),
                imported_at=self.now,
            )
            s.duplicates += table.num_rows - int(keep.sum())
        result.table = None
        if result.table_path is not None:
            os.unlink(result.table_path)

    def new_ones(self, table: Any) -> Any:
        """Which candidates (in line order) are new: their key is NULL (never a duplicate), or
        neither an earlier line of this input nor a record stored before it (of the same
        source unless the dedup is cross-source) has it."""
        import numpy as np

        keys = table[self.key_column].to_pylist()
        stored: set[str] = set()
        if self.stored_up_to is not None:
            stored = store_ingest.stored_keys(
                self.con,
                table.select([self.key_column]),
                key_column=self.key_column,
                source=self.scope,
                up_to_id=self.stored_up_to,
            )
        seen = self.seen
        keep = np.ones(len(keys), dtype=bool)
        for index, key in enumerate(keys):
            if key is None:
                continue
            if key in seen or key in stored:
                keep[index] = False
            else:
                seen.add(key)
        return keep

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
    workers: int | None = None,
) -> ImportSummary:
    """Import one input (a file, a saved dataset folder, or a dataset id); return its line
    accounting. ``kind`` forces the input kind (jsonl, json, parquet, datasets); ``workers``
    the processes the rule runs in (1: this one; default: see ``worker_count``)."""
    path = Path(path)
    if fmt is not None and fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
    if dedup not in DEDUP_MODES:
        raise ValueError(f"unknown dedup mode {dedup!r}; known: {', '.join(DEDUP_MODES)}")
    kind = input_kind(path, kind)
    shown = path.resolve() if path.exists() else path
    summary = ImportSummary(path=shown, source=source or source_name(path), kind=kind)
    started = time.perf_counter()
    runner = _Runner(worker_count(path, kind, workers))
    try:
        with db.connect() as con, transaction(con):
            store_ingest.limit_memory(con)
            summary.import_id = store_records.next_import_id(con)
            job = _Import(con, summary, fmt, dedup, shown)
            waiting: deque[tuple[Batch, Any]] = deque()

            def take() -> None:
                batch, handle = waiting.popleft()
                job.add(batch, runner.result(handle))
                if on_progress is not None:
                    on_progress(batch.done, batch.total)

            for batch in read(path, kind, split):
                if should_stop is not None and should_stop():
                    raise ImportCancelled(f"{path}: import stopped; nothing of it was kept")
                waiting.append((batch, runner.submit(job.piece(batch))))
                while len(waiting) > runner.depth:
                    take()
            while waiting:
                if should_stop is not None and should_stop():
                    raise ImportCancelled(f"{path}: import stopped; nothing of it was kept")
                take()
            job.finish()
    finally:
        runner.close()
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

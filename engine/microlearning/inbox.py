"""Topic files dropped into the workspace ``inbox/``: imported as they arrive.

A file (``.jsonl``, ``.ndjson``, ``.jsonl.gz``, ``.json``) is imported once its size stops
changing, then moved to ``inbox/imported/`` (its rejected lines listed in a ``.errors.txt``
beside it), or to ``inbox/failed/`` when it held no usable record. Names starting with a dot
or ending in ``.tmp``/``.part`` are left alone, so a writer can drop a file atomically by
renaming it into place. ``watch`` waits for changes with watchfiles (inotify) and calls back
after each.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine import activity
from engine.microlearning.config import MicrolearningConfig
from engine.microlearning.importer import ImportReport, import_files
from store.db import Database

SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".json")
IMPORTED = "imported"
FAILED = "failed"


@dataclass
class InboxResult:
    path: Path
    """Where the file went."""
    report: ImportReport


def pending(inbox: Path) -> list[Path]:
    if not inbox.is_dir():
        return []
    return sorted(
        p
        for p in inbox.iterdir()
        if p.is_file()
        and not p.name.startswith(".")
        and not p.name.endswith((".tmp", ".part"))
        and p.name.lower().endswith(SUFFIXES)
    )


def _settled(path: Path, wait: float) -> bool:
    try:
        before = path.stat().st_size
        time.sleep(wait)
        return path.stat().st_size == before
    except FileNotFoundError:
        return False


def _move(path: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    if target.exists():
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        target = folder / f"{stamp}-{path.name}"
    path.replace(target)
    return target


def process(
    db: Database,
    inbox: Path,
    config: MicrolearningConfig | None = None,
    *,
    settle: float = 0.05,
) -> list[InboxResult]:
    """Import every file waiting in the inbox; rescore the queue if anything was stored."""
    results = []
    for path in pending(inbox):
        if not _settled(path, settle):
            continue  # still being written: the next change event brings it back
        report = import_files(db, [path])
        folder = inbox / (IMPORTED if report.records else FAILED)
        moved = _move(path, folder)
        if report.errors:
            lines = "\n".join(str(e).replace(str(path), moved.name) for e in report.errors)
            moved.with_name(moved.name + ".errors.txt").write_text(lines + "\n", "utf-8")
        activity.log(db, "topics.inbox", path.name, **report.as_dict())
        results.append(InboxResult(moved, report))
    if config is not None and any(r.report.stored.observations for r in results):
        from engine.microlearning.scoring import rescore

        rescore(db, config)
    return results


def watch(
    inbox: Path,
    on_change: Callable[[], None],
    stop: threading.Event,
    *,
    debounce_ms: int = 200,
) -> None:
    """Call ``on_change`` after files appear or change at the top of ``inbox``; returns when
    ``stop`` is set."""
    from watchfiles import watch as watch_files

    inbox.mkdir(parents=True, exist_ok=True)
    for changes in watch_files(
        inbox,
        stop_event=stop,
        debounce=debounce_ms,
        step=20,
        recursive=False,
        rust_timeout=500,
        yield_on_timeout=True,
    ):
        if stop.is_set():
            return
        if changes:
            on_change()

"""A run's events: ``runs/<id>/events.jsonl``, append-only, one JSON object a line.

Every event has a monotonic ``seq`` (continued across resumes), an ``event`` kind and a
wall-clock ``time``. Kinds:

- ``started``: the resolved config, world size, devices, the step it starts from;
- ``preflight``: records checked, excluded and why;
- ``step``: step, total, loss, learning rate, grad norm, tokens/s, epoch, elapsed, ETA;
- ``eval``: step and eval loss;
- ``checkpoint``: step and path;
- ``finished``: the run ended (``stopped`` is true when a user stopped it; it can resume);
- ``failed``: reason and traceback tail.

Readers keep a byte offset and read only complete lines, so a reader never sees half an
event and can pick up exactly where it left off (the offset is the ``Last-Event-ID``).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

EVENTS_FILE = "events.jsonl"
FINAL = ("finished", "failed")
KINDS = ("started", "preflight", "step", "eval", "checkpoint", *FINAL)

Event = dict[str, Any]


def last_seq(path: Path) -> int:
    """The ``seq`` of the last complete event in the file (0 when there is none)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return 0
    chunk = 4096
    with path.open("rb") as fh:
        while True:
            start = max(0, size - chunk)
            fh.seek(start)
            lines = fh.read().split(b"\n")
            if start > 0:
                lines = lines[1:]  # may start mid-line
            for line in reversed(lines):
                try:
                    return int(json.loads(line)["seq"])
                except (ValueError, KeyError, TypeError):
                    continue
            if start == 0:
                return 0
            chunk *= 4


class EventWriter:
    """Appends events with a monotonic ``seq``; thread-safe; continues an existing file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._seq = last_seq(self.path)
        self._lock = threading.Lock()
        # A file that ended without a newline (a killed writer) gets one, so the next event
        # starts on its own line.
        if self.path.exists() and self.path.stat().st_size:
            with self.path.open("rb") as fh:
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":
                    with self.path.open("ab") as out:
                        out.write(b"\n")

    @property
    def seq(self) -> int:
        return self._seq

    def emit(self, event: str, *, sync: bool = False, **fields: Any) -> Event:
        if event not in KINDS:
            raise ValueError(f"unknown event kind {event!r}; one of {', '.join(KINDS)}")
        with self._lock:
            self._seq += 1
            record: Event = {"seq": self._seq, "event": event, "time": round(time.time(), 3)}
            record.update(fields)
            line = json.dumps(record, ensure_ascii=False, default=str) + "\n"
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line)
                fh.flush()
                if sync:
                    os.fsync(fh.fileno())
        return record


def read_complete_lines(path: Path, offset: int = 0) -> tuple[list[bytes], int]:
    """The complete (newline-terminated) lines from byte ``offset`` on, and the offset after
    the last of them: a line still being written is left for the next read."""
    try:
        with Path(path).open("rb") as fh:
            fh.seek(offset)
            data = fh.read()
    except FileNotFoundError:
        return [], offset
    end = data.rfind(b"\n")
    if end < 0:
        return [], offset
    return data[: end + 1].splitlines(), offset + end + 1


def read_events(path: Path, offset: int = 0) -> tuple[list[Event], int]:
    """Complete events from byte ``offset`` on, and the offset after the last one read.

    A line that is not JSON (a torn write from a killed process) is skipped.
    """
    lines, offset = read_complete_lines(path, offset)
    events: list[Event] = []
    for line in lines:
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            events.append(value)
    return events, offset


def follow(
    path: Path,
    *,
    offset: int = 0,
    should_stop: Callable[[], bool] = lambda: False,
    is_done: Callable[[list[Event]], bool] | None = None,
    poll: float = 0.05,
) -> Iterator[list[Event]]:
    """Yield batches of events: everything already in the file, then new ones as they are
    written, until ``should_stop()`` or ``is_done(batch)`` is true.

    The file is watched with inotify (watchfiles) where it can be, and polled every
    ``poll`` seconds otherwise; either way a write shows up within a few tens of ms.
    """
    path = Path(path)
    wake = FolderWaker(path.parent, poll)
    try:
        while True:
            events, offset = read_events(path, offset)
            if events:
                yield events
                if is_done is not None and is_done(events):
                    return
            if should_stop():
                return
            wake.wait()
    finally:
        wake.close()


class FolderWaker:
    """Waits for a change in a folder (inotify through watchfiles), or a poll interval;
    ``close`` ends its watcher thread."""

    def __init__(self, folder: Path, poll: float) -> None:
        self.poll = poll
        self._event = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if folder.is_dir():
            self._thread = threading.Thread(
                target=self._watch, args=(folder,), name="events-watch", daemon=True
            )
            self._thread.start()

    def _watch(self, folder: Path) -> None:
        try:
            from watchfiles import watch

            for _changes in watch(
                folder,
                debounce=10,
                step=5,
                stop_event=self._stop,
                rust_timeout=200,
                yield_on_timeout=False,
                raise_interrupt=False,
            ):
                self._event.set()
        except Exception:  # no inotify (limits, odd filesystems): poll instead
            self._thread = None

    def wait(self) -> None:
        # Woken by the watcher, or the poll interval as a floor for missed notifications.
        self._event.wait(self.poll if self._thread is None else max(self.poll, 0.2))
        self._event.clear()

    def close(self) -> None:
        self._stop.set()


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def describe(event: Event) -> str:
    """One human-readable line for an event (the CLI's attach and the Train screen's log)."""
    kind = event.get("event", "?")
    at = time.strftime("%H:%M:%S", time.localtime(float(event.get("time") or 0)))
    head = f"{at} {kind:<10}"
    if kind == "step":
        return (
            f"{head} {event.get('step')}/{event.get('total')}  loss {event.get('loss', 0):.4f}  "
            f"lr {event.get('lr', 0):.2e}  grad {event.get('grad_norm', 0):.3f}  "
            f"{event.get('tokens_per_s', 0):,.0f} tok/s  epoch {event.get('epoch', 0):.2f}  "
            f"eta {_clock(event.get('eta_s'))}"
        )
    if kind == "eval":
        return f"{head} step {event.get('step')}  eval loss {event.get('eval_loss', 0):.4f}"
    if kind == "checkpoint":
        return f"{head} step {event.get('step')}  {event.get('label', '')}  {event.get('path', '')}"
    if kind == "preflight":
        counts = ", ".join(f"{k} {v}" for k, v in sorted((event.get("counts") or {}).items()))
        excluded = f"{event.get('excluded', 0):,} excluded" + (f": {counts}" if counts else "")
        return (
            f"{head} {event.get('checked', 0):,} records checked, {excluded}; "
            f"longest {event.get('max_tokens', 0):,} tokens"
        )
    if kind == "started":
        config = event.get("config") or {}
        resumed = f", resumed at step {event['start_step']}" if event.get("resumed_from") else ""
        return (
            f"{head} {config.get('base_model', '?')}: steps {event.get('start_step', 0) + 1}.."
            f"{event.get('total_steps')}, {event.get('train_records', 0):,} records, world size "
            f"{event.get('world_size')}, {', '.join(event.get('devices') or [])}{resumed}"
        )
    if kind == "finished":
        what = "stopped" if event.get("stopped") else "finished"
        where = event.get("adapter") or event.get("checkpoint") or ""
        return f"{at} {what:<10} at step {event.get('step')}: {event.get('reason', '')}  {where}"
    if kind == "failed":
        lines = [f"{head} at step {event.get('step', '?')}: {event.get('reason', '')}"]
        tail = event.get("traceback") or []
        lines.extend(f"    {line}" for line in tail[-6:])
        return "\n".join(lines)
    return f"{head} {json.dumps(event)}"

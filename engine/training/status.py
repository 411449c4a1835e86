"""A run's status from its events and its process, read incrementally.

A run's events are parsed once and then from the byte offset where the last read ended, and
an ended run whose files did not change is not read again, so listing runs every second
from a UI worker stays cheap on runs with many thousand steps. A run whose process died
without a final event gets a ``failed`` event with the reason found (``reconcile``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.training.events import FINAL, EventWriter, read_events
from engine.training.layout import RunLayout, read_config, read_process, tail_lines

STATUSES = ("starting", "running", "stopping", "finished", "stopped", "failed", "remote")
ENDED = ("finished", "stopped", "failed")


def process_alive(pid: int | None, create_time: float | None) -> bool:
    """True when ``pid`` runs and is the same process (its start time matches: pids are
    reused) and not a zombie."""
    if not pid:
        return False
    import psutil

    try:
        proc = psutil.Process(int(pid))
        if create_time is not None and abs(proc.create_time() - float(create_time)) > 1.0:
            return False
        return proc.status() != psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, psutil.AccessDenied, ValueError):
        return False


# -- summaries -----------------------------------------------------------------------------
@dataclass
class RunSummary:
    id: str
    path: Path
    status: str = "starting"
    config_name: str = ""
    started: float | None = None
    step: int = 0
    total: int = 0
    eta_s: float | None = None
    loss: float | None = None
    best_eval_loss: float | None = None
    reason: str = ""
    pid: int | None = None
    host: str = ""
    events: int = 0
    attempts: int = 0
    newly_failed: bool = False
    """This call found the run dead and wrote its ``failed`` event."""

    @property
    def ended(self) -> bool:
        return self.status in ENDED


@dataclass
class _Scan:
    """What the events of one run add up to, kept with the offset read so far."""

    offset: int = 0
    events: int = 0
    first_time: float | None = None
    last_started: dict[str, Any] = field(default_factory=dict)
    last_step: dict[str, Any] = field(default_factory=dict)
    final: dict[str, Any] | None = None
    """The final event of the latest attempt, None while it has none."""
    best_eval: float | None = None
    attempts: int = 0
    last_time: float = 0.0

    def add(self, event: dict[str, Any]) -> None:
        self.events += 1
        kind = event.get("event")
        at = float(event.get("time") or 0.0)
        self.last_time = max(self.last_time, at)
        if self.first_time is None:
            self.first_time = at
        if kind == "started":
            self.last_started, self.final = event, None
            self.attempts += 1
        elif kind == "step":
            self.last_step = event
        elif kind == "eval" and isinstance(event.get("eval_loss"), int | float):
            loss = float(event["eval_loss"])
            self.best_eval = loss if self.best_eval is None else min(self.best_eval, loss)
        elif kind in FINAL:
            self.final = event


_scans: dict[Path, _Scan] = {}
_scans_lock = threading.Lock()


def _scan(layout: RunLayout) -> _Scan:
    with _scans_lock:
        scan = _scans.get(layout.root)
        try:
            size = layout.events.stat().st_size
        except FileNotFoundError:
            size = 0
        if scan is None or size < scan.offset:
            scan = _Scan()
        events, scan.offset = read_events(layout.events, scan.offset)
        for event in events:
            scan.add(event)
        _scans[layout.root] = scan
        return scan


def _stamp(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
    except FileNotFoundError:
        return (-1, -1)
    return (st.st_size, st.st_mtime_ns)


_ended: dict[Path, tuple[tuple[Any, ...], RunSummary]] = {}


def summarize(layout: RunLayout) -> RunSummary:
    """The run's status from its events and, while it has no final event, its process.

    An ended run whose files have not changed since the last call is not read again."""
    stamp = (_stamp(layout.events), _stamp(layout.process), _stamp(layout.config))
    cached = _ended.get(layout.root)
    if cached is not None and cached[0] == stamp:
        return dataclasses.replace(cached[1])
    summary = _summarize(layout)
    if summary.ended:
        _ended[layout.root] = (stamp, dataclasses.replace(summary))
    return summary


def _summarize(layout: RunLayout) -> RunSummary:
    scan = _scan(layout)
    config = read_config(layout)
    proc = read_process(layout)
    summary = RunSummary(
        id=layout.id,
        path=layout.root,
        config_name=str(config.get("name", "")),
        started=scan.first_time or (proc or {}).get("started_at"),
        step=int(scan.last_step.get("step", scan.last_started.get("start_step", 0)) or 0),
        total=int(scan.last_step.get("total", scan.last_started.get("total_steps", 0)) or 0),
        loss=scan.last_step.get("loss"),
        best_eval_loss=scan.best_eval,
        events=scan.events,
        attempts=scan.attempts,
    )
    # A launch newer than the last final event is a resume still on its way up.
    launched = float((proc or {}).get("started_at") or 0.0)
    final = scan.final
    if final is not None and float(final.get("time") or 0.0) >= launched:
        summary.status = "stopped" if final.get("stopped") else str(final["event"])
        summary.reason = str(final.get("reason", ""))
        summary.step = int(final.get("step", summary.step) or summary.step)
        return summary
    owners, host = _owners(scan, proc, launched)
    pid = owners[0][0] if owners else None
    summary.pid, summary.host = pid, host
    if host and host != socket.gethostname():
        summary.status = "remote"
        summary.reason = f"running on {host}: its process cannot be checked from here"
    elif any(process_alive(p, t) for p, t in owners):
        started_this_attempt = float(scan.last_started.get("time") or 0.0) >= launched
        summary.status = "running" if scan.last_started and started_this_attempt else "starting"
        if layout.stop_file.exists():
            summary.status = "stopping"
        if scan.last_step.get("eta_s") is not None and summary.status == "running":
            waited = time.time() - float(scan.last_step.get("time") or time.time())
            summary.eta_s = max(0.0, float(scan.last_step["eta_s"]) - waited)
    else:
        summary.status = "failed"
        summary.reason = death_reason(layout, pid)
    return summary


def _owners(
    scan: _Scan, proc: dict[str, Any] | None, launched: float
) -> tuple[list[tuple[int | None, float | None]], str]:
    """The processes whose life means the run goes on: the detached launcher (process.json)
    and the trainer that wrote this attempt's started event (with its start time, against
    pid reuse), and the host they run on."""
    owners: list[tuple[int | None, float | None]] = []
    host = ""
    if proc is not None:
        owners.append((proc.get("pid"), proc.get("create_time")))
        host = str(proc.get("host", ""))
    started = scan.last_started
    if started and float(started.get("time") or 0.0) >= launched:
        owners.append((started.get("pid"), started.get("pid_started")))
        host = host or str(started.get("host", ""))
    return owners, host


def death_reason(layout: RunLayout, pid: int | None) -> str:
    who = f"the trainer process (pid {pid})" if pid else "the trainer process"
    reason = (
        f"{who} is gone without a final event (killed, out of memory, or the machine restarted)"
    )
    last = tail_lines(layout.log, 3)
    return reason + (f"; last log line: {last[-1]}" if last else "; no log output")


def reconcile(layout: RunLayout) -> RunSummary:
    """The summary; a run that died without a final event gets one written now (once, by
    whichever quimbot-tui process notices first), so the failure and its reason last."""
    summary = summarize(layout)
    if summary.status != "failed" or (_scan(layout).final is not None):
        return summary
    lock = layout.root / ".reconcile.lock"
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        try:
            if time.time() - lock.stat().st_mtime > 30:
                lock.unlink(missing_ok=True)  # left by a process that died holding it
        except FileNotFoundError:
            pass
        return summary
    try:
        os.close(fd)
        again = summarize(layout)
        if again.status == "failed" and _scan(layout).final is None:
            EventWriter(layout.events).emit(
                "failed",
                sync=True,
                reason=again.reason,
                step=again.step,
                detected_by=f"{socket.gethostname()}:{os.getpid()}",
                log_tail=tail_lines(layout.log, 20),
            )
            summary = summarize(layout)
            summary.reason, summary.newly_failed = again.reason, True
            _notify_failed(layout, summary)
        else:
            summary = again
    finally:
        lock.unlink(missing_ok=True)
    return summary


def _notify_failed(layout: RunLayout, summary: RunSummary) -> None:
    from engine.notify import notify

    fields = {"run": summary.id, "step": f"{summary.step}/{summary.total}"}
    with contextlib.suppress(Exception):  # a webhook never breaks the caller
        notify(
            layout.root.parent.parent,
            "run.failed",
            f"Run {summary.id} failed",
            fields | {"reason": summary.reason},
        )

"""Training runs in the workspace: their folders, status, checkpoints and adapters.

A run lives in ``runs/<id>/``::

    config.toml          the resolved config (starts the same run again)
    events.jsonl         the lasting record (engine.training.events)
    train.log            the trainer's output, every attempt appended
    process.json         the detached process: pid, its start time, host, command, attempt
    STOP                 present while a stop is requested
    checkpoints/step_000050/   adapter + optimizer, scheduler and data position
    adapter/             the final adapter of a finished run

Everything here reads files only (no torch, no database), and incrementally: a run's events
are parsed once and then from the byte offset where the last read ended, so listing runs from
a UI worker every second stays cheap on runs with many thousand steps.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import threading
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.training.events import FINAL, EventWriter, read_events
from engine.workspace import Workspace

LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
CHECKPOINT_LABEL = re.compile(r"^step_(\d{6,})$")
ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors")
STATUSES = ("starting", "running", "stopping", "finished", "stopped", "failed", "remote")
ENDED = ("finished", "stopped", "failed")


def check_label(label: str, what: str = "label") -> str:
    """Run ids and checkpoint names: letters, digits, ``.``, ``_`` and ``-`` only (the
    original lost a run's weights to a checkpoint name with a slash in it)."""
    if not LABEL.match(label):
        raise ValueError(
            f"{what} {label!r} is not valid: use letters, digits, '.', '_' and '-' "
            "(at most 128, starting with a letter or digit)"
        )
    return label


def checkpoint_label(step: int) -> str:
    label = f"step_{step:06d}"
    if not CHECKPOINT_LABEL.match(label):
        raise ValueError(f"bad checkpoint step {step!r}")
    return label


@dataclass(frozen=True)
class RunLayout:
    root: Path

    @property
    def id(self) -> str:
        return self.root.name

    @property
    def config(self) -> Path:
        return self.root / "config.toml"

    @property
    def events(self) -> Path:
        return self.root / "events.jsonl"

    @property
    def log(self) -> Path:
        return self.root / "train.log"

    @property
    def process(self) -> Path:
        return self.root / "process.json"

    @property
    def stop_file(self) -> Path:
        return self.root / "STOP"

    @property
    def checkpoints(self) -> Path:
        return self.root / "checkpoints"

    @property
    def adapter(self) -> Path:
        return self.root / "adapter"

    @property
    def preflight(self) -> Path:
        return self.root / "preflight.json"


def run_layout(ws: Workspace, run_id: str) -> RunLayout:
    check_label(run_id, "run id")
    layout = RunLayout(ws.runs_dir / run_id)
    if not layout.config.is_file():
        known = [p.name for p in _run_dirs(ws)]
        listing = ", ".join(known[-10:]) if known else "none yet"
        raise ValueError(f"no run {run_id!r} in {ws.runs_dir} (runs: {listing})")
    return layout


def _run_dirs(ws: Workspace) -> list[Path]:
    if not ws.runs_dir.is_dir():
        return []
    return sorted(p for p in ws.runs_dir.iterdir() if (p / "config.toml").is_file())


# -- checkpoints ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Checkpoint:
    adapter: Path
    """A PEFT adapter folder (adapter_config.json + adapter_model.safetensors)."""
    step: int
    base_model: str
    label: str
    final: bool = False


def read_config(layout: RunLayout) -> dict[str, Any]:
    try:
        return tomllib.loads(layout.config.read_text(encoding="utf-8"))
    except (FileNotFoundError, tomllib.TOMLDecodeError):
        return {}


def _is_adapter(folder: Path) -> bool:
    return all((folder / name).is_file() for name in ADAPTER_FILES)


def _state_step(folder: Path) -> int | None:
    try:
        return int(json.loads((folder / "trainer_state.json").read_text())["step"])
    except (FileNotFoundError, json.JSONDecodeError, KeyError, TypeError, ValueError):
        return None


def list_checkpoints(ws: Workspace, run_id: str) -> list[Checkpoint]:
    """A run's saved checkpoints by step, the final adapter (``final=True``) last."""
    layout = run_layout(ws, run_id)
    base = str(read_config(layout).get("base_model", ""))
    found: list[Checkpoint] = []
    if layout.checkpoints.is_dir():
        for folder in layout.checkpoints.iterdir():
            match = CHECKPOINT_LABEL.match(folder.name)
            if match and folder.is_dir() and _is_adapter(folder):
                found.append(Checkpoint(folder, int(match.group(1)), base, folder.name))
    found.sort(key=lambda c: c.step)
    if _is_adapter(layout.adapter):
        step = _state_step(layout.adapter)
        if step is not None:
            found.append(Checkpoint(layout.adapter, step, base, "final", final=True))
    return found


def resolve_checkpoint(ws: Workspace, run_id: str, step: int | None = None) -> Checkpoint:
    """A run's adapter at ``step``; ``None`` is the latest (the final adapter of a finished
    run). ``run_id`` may also be ``last``, a config name or a unique prefix (``match_run``).
    Raises ValueError naming what exists."""
    run_id = match_run(ws, run_id)
    checkpoints = list_checkpoints(ws, run_id)
    if not checkpoints:
        raise ValueError(f"run {run_id!r} has no checkpoint yet (it saves every save_every steps)")
    if step is None:
        finals = [c for c in checkpoints if c.final]
        return finals[-1] if finals else checkpoints[-1]
    for c in checkpoints:
        if c.step == step:
            return c
    steps = ", ".join(sorted({str(c.step) for c in checkpoints}, key=int))
    raise ValueError(f"run {run_id!r} has no checkpoint at step {step} (steps: {steps})")


# -- process liveness ----------------------------------------------------------------------
def read_process(layout: RunLayout) -> dict[str, Any] | None:
    try:
        data = json.loads(layout.process.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


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


def summarize(layout: RunLayout) -> RunSummary:
    """The run's status from its events and, while it has no final event, its process."""
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


def tail_lines(path: Path, n: int = 12, max_bytes: int = 16384) -> list[str]:
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - max_bytes))
            data = fh.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return []
    lines = [line.rstrip() for line in data.replace("\r", "\n").splitlines() if line.strip()]
    return lines[-n:]


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


def list_runs(ws: Workspace, *, reconcile_dead: bool = True) -> list[RunSummary]:
    """Every run, newest first. Runs whose process died without a final event are marked
    failed in their events file on the way (see ``reconcile``) and in the activity log."""
    out = []
    for folder in _run_dirs(ws):
        layout = RunLayout(folder)
        out.append(_reconciled(ws, layout) if reconcile_dead else summarize(layout))
    out.sort(key=lambda s: (s.started or 0.0, s.id), reverse=True)
    return out


def _reconciled(ws: Workspace, layout: RunLayout) -> RunSummary:
    summary = reconcile(layout)
    if summary.newly_failed:
        from engine import activity

        # A busy or missing database must not hide the run's status.
        with contextlib.suppress(Exception):
            activity.log(ws.db, "run.failed", summary.id, reason=summary.reason)
    return summary


def run_summary(ws: Workspace, run_id: str) -> RunSummary:
    return _reconciled(ws, run_layout(ws, run_id))


def match_run(ws: Workspace, text: str) -> str:
    """A run id from: an exact id; ``last`` (the newest run); a config name (the newest
    finished run of that config, e.g. ``stage1``); or a unique prefix of an id."""
    ids = [p.name for p in _run_dirs(ws)]
    if text in ids:
        return text
    if text in ("last", "latest") and ids:
        return max(ids, key=lambda i: ((ws.runs_dir / i / "config.toml").stat().st_mtime, i))
    named = [
        s for s in (summarize(RunLayout(ws.runs_dir / i)) for i in ids) if s.config_name == text
    ]
    finished = [s for s in named if s.status == "finished"]
    if finished:
        return max(finished, key=lambda s: (s.started or 0.0, s.id)).id
    if named:
        states = ", ".join(f"{s.id} ({s.status})" for s in named[:5])
        raise ValueError(f"no finished run of config {text!r} yet: {states}")
    found = [i for i in ids if i.startswith(text)]
    if len(found) == 1:
        return found[0]
    if found:
        raise ValueError(f"{text!r} matches several runs: {', '.join(found[:8])}")
    return run_layout(ws, text).id  # raises, listing the runs

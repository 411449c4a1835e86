"""Starting, stopping, killing and resuming runs as detached processes.

A run starts in a new session (``setsid``) with stdin closed and its output appended to
``train.log`` in the run folder, so it survives the TUI, the CLI and the SSH connection that
started it. ``process.json`` records the pid with the process's start time (pids are reused)
and the host. Stop writes ``STOP`` in the run folder, which the trainer checks every step: it
saves a checkpoint, writes a final event and exits. Kill sends SIGKILL to the whole process
group (the launcher and the trainer) and records the kill as the run's final event.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from engine import activity
from engine.notify import notify
from engine.runs import (
    RunLayout,
    check_label,
    process_alive,
    read_process,
    run_layout,
    summarize,
    tail_lines,
)
from engine.training.config import TrainConfig, find_config, load_config, resolve, to_toml
from engine.training.events import EventWriter
from engine.workspace import Workspace

LAUNCHERS = ("accelerate", "python")
SINGLE_PROCESS = (
    "--num_processes",
    "1",
    "--num_machines",
    "1",
    "--mixed_precision",
    "no",  # the trainer sets the precision from its config
    "--dynamo_backend",
    "no",
)


@dataclass
class Launched:
    run_id: str
    pid: int
    command: list[str]
    layout: RunLayout

    @property
    def command_line(self) -> str:
        return shlex.join(self.command)


def trainer_command(
    run_dir: Path | str, config: TrainConfig, launcher: str = "accelerate"
) -> list[str]:
    """The exact command that runs the trainer on a run folder."""
    if launcher not in LAUNCHERS:
        raise ValueError(f"launcher must be one of {', '.join(LAUNCHERS)}")
    trainer = ["-m", "engine.training.trainer", str(run_dir)]
    if launcher == "python":
        return [sys.executable, *trainer]
    accel = [sys.executable, "-m", "accelerate.commands.launch"]
    if config.accelerate_config:
        accel += ["--config_file", config.accelerate_config]
    else:
        # accelerate gives a CPU process one thread unless told otherwise.
        threads = str(os.cpu_count() or 1)
        accel += [*SINGLE_PROCESS, "--num_cpu_threads_per_process", threads]
    return [*accel, *trainer]


def new_run_id(ws: Workspace, name: str) -> str:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = check_label(f"{name}-{stamp}", "run id")
    run_id, n = base, 1
    while (ws.runs_dir / run_id).exists():
        n += 1
        run_id = f"{base}-{n}"
    return run_id


def prepare_run(
    ws: Workspace, config_path: str, overrides: Sequence[str] = ()
) -> tuple[TrainConfig, Path]:
    """Load, override, check and resolve a config (raises before anything is created)."""
    path = find_config(config_path)
    config = resolve(load_config(path, list(overrides)), ws)
    return config, path


def create_run(
    ws: Workspace, config: TrainConfig, source: Path | None, overrides: Sequence[str] = ()
) -> RunLayout:
    ws.runs_dir.mkdir(parents=True, exist_ok=True)
    layout = RunLayout(ws.runs_dir / new_run_id(ws, config.name))
    layout.root.mkdir()
    created = dt.datetime.now().isoformat(" ", "seconds")
    header = (
        f"Run {layout.id}: the resolved config, created {created}"
        f"\nfrom {source or '(no file)'}"
        + (f" with --set {' --set '.join(overrides)}" if overrides else "")
        + f"\nStart it again as a new run: quimbot-tui train start {layout.config}"
    )
    layout.config.write_text(to_toml(config, header), encoding="utf-8")
    return layout


def spawn(layout: RunLayout, command: list[str], *, attempt: int) -> int:
    """Start ``command`` detached from this process and its terminal; returns the pid."""
    import psutil

    env = dict(os.environ)
    env.update(PYTHONUNBUFFERED="1", TOKENIZERS_PARALLELISM="false")
    env.setdefault("ACCELERATE_DISABLE_RICH", "1")
    with layout.log.open("ab") as log:
        stamp = dt.datetime.now().isoformat(" ", "seconds")
        log.write(f"=== attempt {attempt} at {stamp}: {shlex.join(command)}\n".encode())
        log.flush()
        proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=layout.root,
            env=env,
            close_fds=True,
        )
    try:
        create_time: float | None = psutil.Process(proc.pid).create_time()
    except psutil.Error:
        create_time = None
    record = {
        "pid": proc.pid,
        "pgid": proc.pid,
        "create_time": create_time,
        "host": socket.gethostname(),
        "started_at": time.time(),
        "attempt": attempt,
        "command": command,
        "launched_by": os.getpid(),
    }
    tmp = layout.process.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    tmp.replace(layout.process)
    # Reap the child when it ends while this process still lives (no zombie); if this
    # process dies first, init adopts the run and it goes on.
    threading.Thread(target=proc.wait, name=f"reap-{proc.pid}", daemon=True).start()
    return proc.pid


def start_run(
    ws: Workspace,
    config_path: str,
    overrides: Sequence[str] = (),
    *,
    launcher: str = "accelerate",
) -> Launched:
    """Create a run from a config and start it detached; returns at once."""
    config, source = prepare_run(ws, config_path, overrides)
    layout = create_run(ws, config, source, overrides)
    command = trainer_command(layout.root, config, launcher)
    pid = spawn(layout, command, attempt=1)
    activity.log(ws.db, "run.start", layout.id, config=config_path, overrides=list(overrides))
    return Launched(layout.id, pid, command, layout)


def _attempts(layout: RunLayout) -> int:
    proc = read_process(layout)
    return int((proc or {}).get("attempt", 0))


def resume_run(
    ws: Workspace, run_id: str, overrides: Sequence[str] = (), *, launcher: str = "accelerate"
) -> Launched:
    """Start a stopped, failed or finished run again from its latest checkpoint (with
    ``overrides``, e.g. more ``max_steps``); the step numbers continue."""
    layout = run_layout(ws, run_id)
    summary = summarize(layout)
    if summary.status in ("starting", "running", "stopping", "remote"):
        raise ValueError(f"run {run_id} is {summary.status}; stop it before resuming")
    config = load_config(layout.config, list(overrides))
    if overrides:
        config = resolve(config, ws)
        text = layout.config.read_text(encoding="utf-8")
        header = [line[2:] for line in text.splitlines() if line.startswith("# ")]
        header.append(f"resumed with --set {' --set '.join(overrides)}")
        layout.config.write_text(to_toml(config, "\n".join(header)), encoding="utf-8")
    layout.stop_file.unlink(missing_ok=True)
    command = trainer_command(layout.root, config, launcher)
    pid = spawn(layout, command, attempt=_attempts(layout) + 1)
    activity.log(ws.db, "run.resume", layout.id, overrides=list(overrides))
    return Launched(layout.id, pid, command, layout)


def stop_run(ws: Workspace, run_id: str) -> RunLayout:
    """Ask the trainer to save a checkpoint and exit (it checks before every step)."""
    layout = run_layout(ws, run_id)
    summary = summarize(layout)
    if summary.ended:
        raise ValueError(f"run {run_id} has already {summary.status}")
    layout.stop_file.write_text(f"{socket.gethostname()}:{os.getpid()} {time.time()}\n")
    activity.log(ws.db, "run.stop", layout.id)
    return layout


def kill_run(ws: Workspace, run_id: str, *, wait: float = 10.0) -> RunLayout:
    """SIGKILL the run's process group; record the kill as its final ``failed`` event."""
    layout = run_layout(ws, run_id)
    summary = summarize(layout)
    if summary.ended:
        raise ValueError(f"run {run_id} has already {summary.status}")
    proc = read_process(layout)
    if proc is None:
        raise ValueError(f"run {run_id} has no recorded process (it was not started detached)")
    pid, create_time = int(proc["pid"]), proc.get("create_time")
    if process_alive(pid, create_time):
        # The launcher leads the group; the trainer (and torchrun's workers) are in it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(int(proc.get("pgid") or pid), signal.SIGKILL)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and process_alive(pid, create_time):
        time.sleep(0.05)
    who = activity.current_actor()
    EventWriter(layout.events).emit(
        "failed",
        sync=True,
        reason=f"killed by {who}",
        step=summary.step,
        killed=True,
        log_tail=tail_lines(layout.log, 20),
    )
    layout.stop_file.unlink(missing_ok=True)
    activity.log(ws.db, "run.kill", layout.id)
    # The trainer cannot report its own death: say it for it (never raises).
    notify(ws.root, "run.failed", f"Run {layout.id} killed", {"run": layout.id}, wait=True)
    return layout

"""``quimbot-tui bench startup``: time to the first rendered screen, against heavy imports.

Each measurement is a fresh process, timed from spawn: the app runs in a pseudo-terminal
(120x40) and writes the wall-clock time of its first rendered screen to a probe file, then
exits; the baselines are ``python -c "import torch, transformers, peft"`` and a bare Textual
app measured the same way. Medians over ``--runs`` runs.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

BARE_APP = """
import os, time
from textual.app import App
from textual.widgets import Label
class Bare(App):
    def compose(self):
        yield Label("bare")
    def on_mount(self):
        self.call_after_refresh(self.done)
    def done(self):
        with open(os.environ["QUIMBOT_STARTUP_PROBE"], "w") as fh:
            fh.write(f"first_screen {time.time()!r}\\n")
        self.exit()
Bare().run()
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("startup", help="time to the first screen against importing torch")
    p.add_argument("--runs", type=int, default=5, help="runs of each measurement (median)")
    p.set_defaults(func=run)


def _in_pty(cmd: list[str], env: dict[str, str], timeout: float = 60.0) -> dict[str, float]:
    """Run ``cmd`` in a 120x40 pseudo-terminal; seconds from spawn to each probed event."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "probe"
        env = env | {"QUIMBOT_STARTUP_PROBE": str(probe), "TERM": "xterm-256color"}

        def drain() -> None:
            try:
                while os.read(master, 65536):
                    pass
            except OSError:
                pass

        reader = threading.Thread(target=drain, daemon=True)
        reader.start()
        started = time.time()
        proc = subprocess.Popen(
            cmd, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        try:
            proc.wait(timeout=timeout)
        finally:
            if proc.poll() is None:
                proc.kill()
            os.close(master)
        if not probe.exists():
            raise RuntimeError(f"{cmd[:3]} exited ({proc.returncode}) without rendering")
        events = (line.split() for line in probe.read_text().splitlines() if line.strip())
        return {name: float(t) - started for name, t in events}


def _plain(cmd: list[str], env: dict[str, str]) -> dict[str, float]:
    started = time.time()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    return {"done": time.time() - started}


def run(args: argparse.Namespace) -> int:
    from engine.workspace import Workspace

    ws = Workspace.open(args.workspace)
    env = dict(os.environ)
    app_cmd = [sys.executable, "-m", "quimbot_tui", "--workspace", str(ws.root)]
    measures = {
        "app": lambda: _in_pty(app_cmd, env),
        "bare": lambda: _in_pty([sys.executable, "-c", BARE_APP], env),
        "heavy": lambda: _plain([sys.executable, "-c", "import torch, transformers, peft"], env),
    }
    rows = (
        ("quimbot-tui first screen", "app", "first_screen"),
        ("quimbot-tui first records shown", "app", "first_records"),
        ("bare Textual app first screen", "bare", "first_screen"),
        ("import torch, transformers, peft", "heavy", "done"),
    )
    print(f"workspace {ws.root}; {args.runs} runs each, medians; {os.cpu_count()} CPU cores")
    samples: dict[str, list[dict[str, float]]] = {
        name: [measure() for _ in range(args.runs)] for name, measure in measures.items()
    }
    results: dict[str, float] = {}
    for label, name, event in rows:
        times = [run[event] for run in samples[name] if event in run]
        if not times:
            continue
        results[label] = statistics.median(times)
        print(
            f"  {label:<34} {results[label] * 1000:7.0f} ms   (min {min(times) * 1000:.0f}, "
            f"max {max(times) * 1000:.0f})"
        )
    app = results["quimbot-tui first screen"]
    heavy = results["import torch, transformers, peft"]
    bare = results["bare Textual app first screen"]
    print(f"  heavy imports / first screen     {heavy / app:7.1f}x   (goal: at least 4x)")
    print(f"  first screen / bare Textual app  {app / bare:7.2f}x")
    print(f"  first screen under 0.5 s: {'yes' if app < 0.5 else 'no'}")
    return 0

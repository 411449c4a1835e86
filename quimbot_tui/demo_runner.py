"""Runs the demo build in a child process and turns its progress lines into callbacks.

The build (tokeniser training, model pretraining) is CPU-heavy Python; in its own process it
cannot stall the UI's event loop, and a crash there cannot take the app down.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

# Share of the whole build each stage takes, for one overall progress bar.
STAGE_SPAN = {"generate": (0, 5), "import": (5, 15), "model": (15, 97), "topics": (97, 100)}


def overall(stage: str, done: float, total: float) -> float:
    start, end = STAGE_SPAN.get(stage, (0, 100))
    fraction = done / total if total else 0.0
    return start + (end - start) * min(max(fraction, 0.0), 1.0)


def run_demo_subprocess(
    workspace: Path,
    *,
    reset: bool,
    extra_args: Sequence[str] = (),
    on_progress: Callable[[float, float, str], None],
) -> dict[str, object]:
    """Build the demo in ``workspace`` in a child process; return its final report."""
    cmd = [
        sys.executable,
        "-m",
        "quimbot_tui",
        "--workspace",
        str(workspace),
        "demo",
        "--progress",
        "json",
        *(["--reset"] if reset else []),
        *extra_args,
    ]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1
    )
    result: dict[str, object] = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        if event.get("event") == "progress":
            stage = str(event["stage"])
            on_progress(
                overall(stage, float(event["done"]), float(event["total"])),
                100,
                f"{stage}: {event.get('message', '')}",
            )
        elif event.get("event") == "done":
            result = event
    stderr = proc.stderr.read() if proc.stderr else ""
    if proc.wait() != 0:
        tail = "\n".join(stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"demo build failed (exit {proc.returncode}): {tail}")
    return result

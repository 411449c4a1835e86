"""Progress output for CLI commands: a bar on a terminal, JSON lines for programs."""

from __future__ import annotations

import json
import sys
import time
from typing import TextIO


class TextProgress:
    """A one-line progress bar on stderr, redrawn at most ten times a second."""

    def __init__(self, stream: TextIO | None = None, width: int = 30) -> None:
        self.stream = stream or sys.stderr  # stderr now, not when this module was imported
        self.width = width
        self._last = 0.0
        self._label = ""

    def __call__(self, label: str, done: float, total: float, message: str = "") -> None:
        now = time.monotonic()
        final = total and done >= total
        if label == self._label and not final and now - self._last < 0.1:
            return
        if label != self._label and self._label:
            self.stream.write("\n")
        self._label, self._last = label, now
        fraction = min(max(done / total, 0.0), 1.0) if total else 0.0
        filled = int(fraction * self.width)
        bar = "█" * filled + "░" * (self.width - filled)
        self.stream.write(f"\r{label:<9} {bar} {fraction:6.1%}  {message[:50]:<50}")
        self.stream.flush()

    def close(self) -> None:
        if self._label:
            self.stream.write("\n")
            self.stream.flush()


def json_progress(stage: str, done: float, total: float, message: str = "") -> None:
    print(
        json.dumps(
            {"event": "progress", "stage": stage, "done": done, "total": total, "message": message}
        ),
        flush=True,
    )

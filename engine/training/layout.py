"""The layout of a run folder, and the labels runs and checkpoints may have.

runs/<id>/
  config.toml          the resolved config (starts the same run again)
  events.jsonl         the lasting record (engine.training.events)
  train.log            the trainer's output, every attempt appended
  process.json         the detached process: pid, its start time, host, command, attempt
  STOP                 present while a stop is requested
  preflight.json       every record preflight excluded, and why
  checkpoints/step_000050/   adapter + optimizer, scheduler, RNG and data position
  adapter/             the final adapter of a finished run
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
CHECKPOINT_LABEL = re.compile(r"^step_(\d{6,})$")
ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors")


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


def read_config(layout: RunLayout) -> dict[str, Any]:
    try:
        return tomllib.loads(layout.config.read_text(encoding="utf-8"))
    except (FileNotFoundError, tomllib.TOMLDecodeError):
        return {}


def read_process(layout: RunLayout) -> dict[str, Any] | None:
    try:
        data = json.loads(layout.process.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


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

"""Listing, starting and following runs never loads torch, transformers or textual."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_run_supervision_is_light() -> None:
    code = (
        "import engine.runs, engine.telemetry, engine.training.launch, engine.training.history, "
        "engine.training.events, engine.training.status, engine.training.config\n"
        "import sys; print(' '.join(sys.modules))"
    )
    loaded = set(
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
        ).stdout.split()
    )
    assert "engine.training.launch" in loaded
    assert not loaded & {"torch", "transformers", "peft", "accelerate", "textual"}

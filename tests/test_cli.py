"""The command line, run as a user runs it: in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from quimbot_tui import __version__


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "quimbot_tui", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def test_version_and_help() -> None:
    assert cli("--version").stdout.strip() == f"quimbot-tui {__version__}"
    out = cli("--help").stdout
    assert "--workspace" in out and "demo" in out and "bench" in out


def test_demo_builds_then_reports_it_is_built(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    first = cli("--workspace", str(ws), "demo", "--small", "--progress", "json")
    assert first.returncode == 0, first.stderr
    events = [json.loads(line) for line in first.stdout.splitlines()]
    stages = {e["stage"] for e in events if e["event"] == "progress"}
    assert stages == {"generate", "import", "model", "topics"}
    assert events[-1]["event"] == "done" and events[-1]["records"] == 230
    again = cli("--workspace", str(ws), "demo", "--small")
    assert again.returncode == 0 and "was built at" in again.stdout


def test_workspace_from_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("QUIMBOT_HOME", str(tmp_path / "from-env"))
    result = cli("demo", "--small")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "from-env" / "quimbot.duckdb").exists()


def test_bench_startup_runs_the_app_in_a_terminal_and_reports_ratios(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    assert cli("--workspace", str(ws), "demo", "--small").returncode == 0
    result = cli("--workspace", str(ws), "bench", "startup", "--runs", "1")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    labels = [
        "quimbot-tui first screen",
        "quimbot-tui first records shown",
        "bare Textual app first screen",
        "import torch, transformers, peft",
        "heavy imports / first screen",
    ]
    for label in labels:
        assert any(line.strip().startswith(label) for line in lines), label

"""Training runs in the workspace: listing them, their checkpoints and adapters.

``resolve_checkpoint`` is what Compare, the eval helper (``run:RUN[:STEP]``) and export use
to find an adapter; ``list_runs`` and ``list_checkpoints`` back the Train screen and the
``train`` commands. Everything here reads files only (no torch, no database writes except
the activity record of a run found dead), and cheaply (see ``engine.training.status``).
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path

from engine.training.layout import (
    ADAPTER_FILES,
    CHECKPOINT_LABEL,
    LABEL,
    RunLayout,
    check_label,
    checkpoint_label,
    read_config,
    read_process,
    tail_lines,
)
from engine.training.status import (
    ENDED,
    STATUSES,
    RunSummary,
    process_alive,
    reconcile,
    summarize,
)
from engine.workspace import Workspace

__all__ = [
    "ADAPTER_FILES",
    "CHECKPOINT_LABEL",
    "ENDED",
    "LABEL",
    "STATUSES",
    "Checkpoint",
    "RunLayout",
    "RunSummary",
    "adapter_choices",
    "check_label",
    "checkpoint_label",
    "list_checkpoints",
    "list_runs",
    "match_run",
    "process_alive",
    "read_config",
    "read_process",
    "reconcile",
    "resolve_checkpoint",
    "run_layout",
    "run_summary",
    "summarize",
    "tail_lines",
]


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


def adapter_choices(ws: Workspace) -> list[tuple[str, str]]:
    """(label, side spec) of every adapter a comparison or an eval can use: each run's
    checkpoints (newest run first, its final adapter first) as ``run:ID[:STEP]``, so answers
    record the run and step, then any other adapter folder under ``runs/`` as
    ``adapter:PATH``."""
    choices: list[tuple[str, str]] = []
    known: set[Path] = set()
    for run in list_runs(ws, reconcile_dead=False):
        try:
            checkpoints = list_checkpoints(ws, run.id)
        except (OSError, ValueError):
            continue
        for c in reversed(checkpoints):
            known.add(c.adapter.resolve())
            if c.final:
                choices.append((f"{run.id} · final (step {c.step})", f"run:{run.id}"))
            elif not any(f.final and f.step == c.step for f in checkpoints):
                choices.append((f"{run.id} · step {c.step}", f"run:{run.id}:{c.step}"))
    if ws.runs_dir.is_dir():
        for config in sorted(ws.runs_dir.rglob("adapter_config.json")):
            folder = config.parent
            if folder.resolve() not in known:
                choices.append((str(folder.relative_to(ws.runs_dir)), f"adapter:{folder}"))
    return choices


# -- process liveness ----------------------------------------------------------------------
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

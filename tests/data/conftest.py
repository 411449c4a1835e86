"""Small workspaces with known sources for the data tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.importers import import_file
from engine.workspace import Workspace


def dialogue(source: str, i: int, *, last_user: bool = False) -> dict:
    messages = [
        {"role": "user", "content": f"{source} question {i}"},
        {"role": "assistant", "content": f"{source} answer {i}?"},
    ]
    if last_user:
        messages.append({"role": "user", "content": "and then?"})
    return {"messages": messages}


def write_source(folder: Path, name: str, n: int, **kwargs) -> Path:
    path = folder / f"{name}.jsonl"
    path.write_text(
        "".join(json.dumps(dialogue(name, i, **kwargs)) + "\n" for i in range(n)), encoding="utf-8"
    )
    return path


@pytest.fixture
def mix_workspace(workspace: Workspace, tmp_path: Path) -> Workspace:
    """toefl 40, pilot 3, lmsys 200, magpie 60, prosocial 30 records, plus 4 toefl-like
    records whose last turn is the learner's (source ``toefl``)."""
    for name, n in (("toefl", 40), ("pilot", 3), ("lmsys", 200), ("magpie", 60), ("prosocial", 30)):
        import_file(workspace.db, write_source(tmp_path, name, n), source=name)
    bad = tmp_path / "toefl-bad.jsonl"
    bad.write_text(
        "".join(json.dumps(dialogue("late", i, last_user=True)) + "\n" for i in range(4)),
        encoding="utf-8",
    )
    import_file(workspace.db, bad, source="toefl")
    return workspace

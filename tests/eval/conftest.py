"""Fixtures for the evaluation tests: a workspace holding the tiny models, fake servers."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.workspace import Workspace
from tests.eval.fakes import FakeServer


def place_adapter(ws: Workspace, source: Path, run: str) -> Path:
    """Copy an adapter into ``runs/RUN/final`` with its base set to the workspace's model."""
    target = ws.runs_dir / run / "final"
    shutil.copytree(source, target)
    config = json.loads((target / "adapter_config.json").read_text())
    config["base_model_name_or_path"] = str(ws.models_dir / "tiny")
    (target / "adapter_config.json").write_text(json.dumps(config))
    return target


@pytest.fixture
def eval_ws(tmp_path: Path, tiny_models: dict[str, Path]) -> Workspace:
    """The tiny base in ``models/tiny`` and the two adapters as runs ``pirate`` and ``polite``."""
    from engine.inference.pool import forget_all

    ws = Workspace.open(tmp_path / "ws")
    shutil.copytree(tiny_models["base"], ws.models_dir / "tiny")
    place_adapter(ws, tiny_models["pirate"], "pirate")
    place_adapter(ws, tiny_models["polite"], "polite")
    forget_all()
    return ws


@pytest.fixture
def suite_file(tmp_path: Path) -> Path:
    """A two-test suite (one single turn, one multi-turn with an error) with key metrics."""
    path = tmp_path / "mini.toml"
    path.write_text(
        """
name = "mini"
description = "two quick tests"
[key_metrics]
ends_with_question = "higher"

[[tests]]
name = "one_turn"
prompt = "I go to the park yesterday."

[[tests]]
name = "two_turns"
error = "go"
correction = "went"
messages = [
  { role = "user", content = "Hello!" },
  { role = "assistant", content = "Hi! What did you do today?" },
  { role = "user", content = "I go to the zoo yesterday." },
]
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def ollama() -> Iterator[FakeServer]:
    with FakeServer("ollama") as server:
        yield server


@pytest.fixture
def openai() -> Iterator[FakeServer]:
    with FakeServer("openai") as server:
        yield server

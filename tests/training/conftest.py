"""Fixtures for the training tests: a workspace with the tiny model and multi-turn data, and
helpers that create runs the way ``quimbot-tui train start`` does."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from engine.runs import RunLayout
from engine.training.launch import create_run, prepare_run
from engine.workspace import Workspace
from tests.training.runhelpers import PLACES, multi_turn, write_jsonl

BASE_CONFIG = """
data = "data/chats.jsonl"
base_model = "{base}"
max_length = 128
batch_size = 4
max_steps = 12
save_every = 4
eval_split = 0.1
eval_every = 6
learning_rate = 1e-2
lora_rank = 4
lora_alpha = 8
lora_dropout = 0.1
target_modules = ["q_proj", "v_proj"]
seed = 3
"""


@pytest.fixture
def train_ws(tiny_models: dict[str, Path], workspace: Workspace) -> Workspace:
    """A workspace with multi-turn chats and a config ``tiny.toml`` using the tiny model."""
    write_jsonl(workspace.root / "data" / "chats.jsonl", [multi_turn(p) for p in PLACES * 5])
    config = BASE_CONFIG.format(base=tiny_models["base"])
    (workspace.root / "tiny.toml").write_text(config, encoding="utf-8")
    return workspace


@pytest.fixture
def make_run(train_ws: Workspace) -> Callable[..., RunLayout]:
    """``make_run("max_steps=6", ...)``: a run folder created from tiny.toml with overrides."""

    def make(*overrides: str) -> RunLayout:
        config, source = prepare_run(train_ws, str(train_ws.root / "tiny.toml"), overrides)
        return create_run(train_ws, config, source, overrides)

    return make

"""Shared fixtures: real workspaces in temporary folders, a small demo built once."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from engine.workspace import Workspace

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """No test reads or writes the real user's workspace or Hugging Face cache."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("HF_HOME", str(home / ".cache" / "huggingface"))
    monkeypatch.delenv("QUIMBOT_HOME", raising=False)


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace.open(tmp_path / "ws")


@pytest.fixture(scope="session")
def small_demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo workspace, built once per test session."""
    from engine.demo import build_demo
    from quimbot_tui.cli.demo import small_options

    root = tmp_path_factory.mktemp("demo-template") / "ws"
    ws = Workspace.open(root)
    build_demo(ws, small_options())
    ws.db.close()
    return root


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A tiny base model and two LoRA adapters ("pirate", "polite"), built once per session."""
    from tests.tinymodels import build_tiny_models

    return build_tiny_models(tmp_path_factory.mktemp("tiny-models"))


@pytest.fixture
def demo_workspace(small_demo_template: Path, tmp_path: Path) -> Workspace:
    """A fresh copy of the small demo workspace for one test."""
    root = tmp_path / "demo-ws"
    shutil.copytree(small_demo_template, root)
    return Workspace.open(root)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``gpu`` run only where CUDA is available (torch is imported only then)."""
    gpu_items = [item for item in items if "gpu" in item.keywords]
    if not gpu_items:
        return
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU (none here)")
    for item in gpu_items:
        item.add_marker(skip)

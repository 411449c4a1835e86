"""Where the workspace is, what it holds, and where configs are found."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.workspace import Workspace, configs_dir, resolve_workspace


def test_explicit_folder_wins_over_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("QUIMBOT_HOME", str(tmp_path / "env"))
    assert resolve_workspace(tmp_path / "flag") == (tmp_path / "flag").resolve()


def test_quimbot_home_wins_over_xdg(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("QUIMBOT_HOME", str(tmp_path / "env"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert resolve_workspace(None) == (tmp_path / "env").resolve()


def test_xdg_data_folder_is_the_default(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert resolve_workspace(None) == (tmp_path / "xdg" / "quimbot").resolve()
    monkeypatch.delenv("XDG_DATA_HOME")
    assert resolve_workspace(None) == (Path.home() / ".local/share/quimbot").resolve()


def test_open_creates_the_layout(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "w")
    for name in ("runs", "models", "exports", "packets", "inbox"):
        assert (ws.root / name).is_dir()
    assert ws.needs_demo()
    assert (ws.root / "quimbot.duckdb").exists()


def test_settings_round_trip_and_bad_file_named(workspace: Workspace) -> None:
    assert workspace.settings() == {}
    workspace.update_settings(theme="nord")
    assert workspace.settings() == {"theme": "nord"}
    workspace.settings_path.write_text("{not json")
    with pytest.raises(ValueError, match=r"settings\.json: line 1"):
        workspace.settings()


def test_configs_are_found_from_the_checkout() -> None:
    folder = configs_dir()
    assert (folder / "mixes" / "stage1.toml").is_file()


def test_configs_folder_can_be_overridden(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("QUIMBOT_CONFIGS", str(tmp_path))
    assert configs_dir() == tmp_path.resolve()

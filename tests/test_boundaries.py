"""The layering rule, checked: quimbot_tui -> engine -> store, and lazy heavy imports."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    return set(out.split())


def test_engine_and_store_do_not_load_textual() -> None:
    loaded = _modules_after(
        "import engine, store, engine.workspace, engine.importers, engine.records, "
        "engine.synth, engine.demo, engine.mix, engine.models, store.records, store.topics"
    )
    assert "engine.demo" in loaded
    assert not {m for m in loaded if m == "textual" or m.startswith("textual.")}
    assert "rich.live" not in loaded


def test_app_module_does_not_load_torch_or_transformers() -> None:
    loaded = _modules_after("import quimbot_tui.app, quimbot_tui.cli")
    assert "quimbot_tui.app" in loaded
    assert "textual" in loaded
    assert "torch" not in loaded
    assert "transformers" not in loaded
    assert "peft" not in loaded


def _imports(package: str) -> set[str]:
    names: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


def test_store_imports_neither_engine_nor_ui() -> None:
    assert not _imports("store") & {"engine", "quimbot_tui", "textual"}


def test_engine_imports_no_ui() -> None:
    assert not _imports("engine") & {"quimbot_tui", "textual"}


def test_gallery_imports_no_ui_or_engine() -> None:
    assert not _imports("gallery") & {"quimbot_tui", "textual", "engine", "store"}

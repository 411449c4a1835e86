"""Models in the workspace's ``models/`` folder (and any Hugging Face model folder)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class ModelInfo:
    name: str
    path: Path
    architecture: str
    parameters: int | None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def losses(self) -> list[float]:
        return list(self.info.get("losses", []))


def read_model_info(path: Path) -> ModelInfo | None:
    """What a model folder says about itself, or None if it is not a model folder."""
    config_path = path / "config.json"
    if not config_path.is_file():
        return None
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return None
    info: dict[str, Any] = {}
    meta = path / "quimbot_model.json"
    if meta.is_file():
        try:
            info = json.loads(meta.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            info = {}
    archs = config.get("architectures") or [config.get("model_type", "?")]
    return ModelInfo(
        name=path.name,
        path=path,
        architecture=str(archs[0]),
        parameters=info.get("parameters"),
        info=info | {"config": config} if "config" not in info else info,
    )


def list_models(models_dir: Path) -> list[ModelInfo]:
    if not models_dir.is_dir():
        return []
    found = (read_model_info(p) for p in sorted(models_dir.iterdir()) if p.is_dir())
    return [m for m in found if m is not None]

"""One inference engine per base model per process, shared by Compare and Eval."""

from __future__ import annotations

import threading
from pathlib import Path

from engine.inference.engine import InferenceEngine

_engines: dict[str, InferenceEngine] = {}
_lock = threading.Lock()


def get_engine(base: Path | str) -> InferenceEngine:
    """The process's engine for this base model (created unloaded on first use)."""
    key = str(Path(base).resolve()) if Path(base).exists() else str(base)
    with _lock:
        if key not in _engines:
            _engines[key] = InferenceEngine(key)
        return _engines[key]


def forget_all() -> None:
    """Drop every engine (tests, or to free memory)."""
    with _lock:
        _engines.clear()

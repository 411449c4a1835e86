"""Stable identities of models and adapters, for provenance and caching.

An adapter is identified by the content of its weights (so a retrained adapter in the same
folder is a different adapter); a base model by its config and the names and sizes of its
weight files (hashing many gigabytes of weights would take minutes).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".gguf")


def _digest(parts: list[bytes]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.hexdigest()[:16]


def model_identity(path: Path | str) -> str:
    """``sha256(config.json + weight file names and sizes)`` of a model folder, or the hub id."""
    folder = Path(path)
    if not folder.is_dir():
        return "hub:" + str(path)
    parts = []
    config = folder / "config.json"
    if config.is_file():
        parts.append(config.read_bytes())
    for f in sorted(folder.iterdir()):
        if f.suffix in WEIGHT_SUFFIXES:
            parts.append(f"{f.name}:{f.stat().st_size}".encode())
    return _digest(parts)


def adapter_identity(path: Path | str) -> str:
    """``sha256`` of an adapter folder's config and weights (their full content)."""
    folder = Path(path)
    parts = []
    for name in ("adapter_config.json", "adapter_model.safetensors", "adapter_model.bin"):
        f = folder / name
        if f.is_file():
            parts.append(name.encode())
            parts.append(f.read_bytes())
    if not parts:
        raise FileNotFoundError(f"{folder}: no adapter_config.json or adapter weights")
    return _digest(parts)

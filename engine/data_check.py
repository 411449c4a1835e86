"""Preflight over the workspace's records, and the "what gets trained" view of one record.

Both go through ``engine.preflight`` and ``engine.chat_encoding``, the functions the trainer
uses, so what is shown here is what training does. transformers is imported only when a
tokenizer is loaded.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.preflight import PreflightReport, preflight
from engine.workspace import Workspace
from store import records as store_records


def resolve_model(ws: Workspace, name_or_path: str | Path) -> Path:
    """A model folder: a path, or the name of a model in the workspace's ``models/``."""
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        return path
    in_workspace = ws.models_dir / str(name_or_path)
    if in_workspace.is_dir():
        return in_workspace
    known = ", ".join(sorted(p.name for p in ws.models_dir.glob("*") if p.is_dir())) or "none"
    raise FileNotFoundError(
        f"{name_or_path}: no such model folder, nor a model in {ws.models_dir} (there: {known})"
    )


def load_tokenizer(model: Path) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(model))


def model_max_length(model: Path) -> int | None:
    """The model's context length (``max_position_embeddings`` in its config), if it says."""
    try:
        config = json.loads((model / "config.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    value = config.get("max_position_embeddings")
    return int(value) if isinstance(value, int) else None


def check_workspace(
    ws: Workspace,
    *,
    sources: Sequence[str] = (),
    tokenizer: Any = None,
    max_length: int | None = None,
    train_on: str = "last",
    on_progress: Callable[[int, int], None] | None = None,
) -> PreflightReport:
    """Preflight every record of ``sources`` (all sources when empty); keys are record ids."""
    flt = store_records.RecordFilter(sources=list(sources))
    with ws.db.connect() as con:
        total = store_records.count(con, flt)

        def pairs():  # type: ignore[no-untyped-def]
            for rows in store_records.iter_messages(con, flt):
                yield from rows

        return preflight(
            pairs(),
            tokenizer=tokenizer,
            max_length=max_length,
            train_on=train_on,
            on_progress=None if on_progress is None else (lambda n: on_progress(n, total)),
        )


@dataclass(frozen=True)
class TrainedView:
    """A record rendered through the chat template, in runs of trained or context tokens."""

    segments: list[tuple[str, bool]]
    tokens: int
    trained: int
    max_length: int | None
    error: str | None = None

    @property
    def over_length(self) -> bool:
        return self.max_length is not None and self.tokens > self.max_length


def trained_view(
    tokenizer: Any,
    messages: Sequence[dict[str, str]],
    *,
    train_on: str = "last",
    max_length: int | None = None,
) -> TrainedView:
    """Which tokens of ``messages`` carry loss, as decoded text runs."""
    from engine.chat_encoding import TemplateError, encode_chat

    chat = [{"role": m["role"], "content": m["content"]} for m in messages]
    try:
        encoded = encode_chat(tokenizer, chat, train_on=train_on)  # type: ignore[arg-type]
    except TemplateError as exc:
        return TrainedView([], 0, 0, max_length, str(exc))
    segments: list[tuple[str, bool]] = []
    mask = encoded.mask()
    start = 0
    for i in range(1, len(mask) + 1):
        if i == len(mask) or mask[i] != mask[start]:
            text = tokenizer.decode(encoded.input_ids[start:i], skip_special_tokens=False)
            segments.append((text, mask[start]))
            start = i
    return TrainedView(segments, encoded.length, encoded.trained, max_length)

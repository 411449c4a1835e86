"""Helpers shared by the training tests."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from engine.runs import RunLayout

PLACES = ("school", "the park", "the market", "Paris", "the beach", "work", "the zoo")


def multi_turn(place: str) -> dict:
    return {
        "messages": [
            {"role": "system", "content": "You are a kind English tutor."},
            {"role": "user", "content": f"I go to {place} yesterday."},
            {"role": "assistant", "content": f"You went to {place} yesterday? What did you do?"},
            {"role": "user", "content": "I eat a sandwich."},
            {"role": "assistant", "content": "You ate a sandwich! Was it good?"},
        ]
    }


def write_jsonl(path: Path, records: list) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def events_of(layout: RunLayout) -> list[dict]:
    return [json.loads(line) for line in layout.events.read_text().splitlines() if line]


def wait_for(predicate: Callable[[], object], timeout: float = 120.0, what: str = "") -> None:
    """Poll until ``predicate()`` is true (a generous ceiling, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        time.sleep(0.05)

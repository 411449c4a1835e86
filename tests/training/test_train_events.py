"""The events file: append-only, monotonic seq across writers, complete lines only."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from engine.training.events import EventWriter, describe, follow, last_seq, read_events


def test_seq_is_monotonic_and_continues_in_a_new_writer(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    first = EventWriter(path)
    for i in range(3):
        first.emit("step", step=i + 1, loss=1.0)
    second = EventWriter(path)  # a resumed trainer, a reconciling process
    second.emit("failed", reason="x")
    seqs = [json.loads(line)["seq"] for line in path.read_text().splitlines()]
    assert seqs == [1, 2, 3, 4]
    with pytest.raises(ValueError, match="unknown event"):
        second.emit("nonsense")


def test_a_torn_last_line_is_skipped_and_the_next_event_starts_clean(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    EventWriter(path).emit("step", step=1, loss=2.0)
    with path.open("a") as fh:
        fh.write('{"seq": 2, "event": "st')  # the writer was killed mid-line
    assert last_seq(path) == 1
    events, _ = read_events(path)
    assert [e["seq"] for e in events] == [1]
    EventWriter(path).emit("step", step=2, loss=1.5)
    events, _ = read_events(path)
    assert [e["seq"] for e in events] == [1, 2]


def test_reading_resumes_at_the_offset_and_waits_for_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    writer = EventWriter(path)
    writer.emit("step", step=1, loss=1.0)
    events, offset = read_events(path)
    assert len(events) == 1
    with path.open("a") as fh:
        fh.write('{"seq": 2, "event": "step"')
    assert read_events(path, offset) == ([], offset)
    with path.open("a") as fh:
        fh.write(', "step": 2}\n')
    events, _ = read_events(path, offset)
    assert [e["seq"] for e in events] == [2]


def test_follow_replays_then_delivers_new_events(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    writer = EventWriter(path)
    writer.emit("started", total_steps=3)
    seen: list[int] = []

    def write_more() -> None:
        for step in (1, 2, 3):
            writer.emit("step", step=step, loss=1.0 / step)
        writer.emit("finished", step=3, reason="completed")

    threading.Timer(0.2, write_more).start()
    for batch in follow(path, is_done=lambda b: b[-1]["event"] == "finished", poll=0.02):
        seen.extend(e["seq"] for e in batch)
    assert seen == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    "event",
    [
        {"event": "started", "config": {"base_model": "m"}, "total_steps": 5, "devices": ["cpu"]},
        {"event": "preflight", "checked": 10, "excluded": 1, "counts": {"over_length": 1}},
        {"event": "step", "step": 1, "total": 5, "loss": 1.0, "lr": 1e-4, "eta_s": 12},
        {"event": "eval", "step": 5, "eval_loss": 0.5},
        {"event": "checkpoint", "step": 5, "label": "step_000005", "path": "/x"},
        {"event": "finished", "step": 5, "stopped": True, "reason": "stopped on request"},
        {"event": "failed", "step": 2, "reason": "boom", "traceback": ["a", "b"]},
    ],
)
def test_every_kind_has_a_readable_line(event: dict) -> None:
    text = describe(event | {"time": 0, "seq": 1})
    assert text and "{" not in text.splitlines()[0]

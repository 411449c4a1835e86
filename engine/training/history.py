"""A run's curves built up from its events: loss, learning rate and eval loss by step.

A resumed run repeats the steps after its checkpoint (a run killed at step 16 and resumed
from the checkpoint at step 10 logs steps 11 to 16 again); the later values replace the
earlier ones, so the curves show the trajectory the adapter actually has.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RunHistory:
    steps: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    eval_steps: list[int] = field(default_factory=list)
    eval_loss: list[float] = field(default_factory=list)
    last_seq: int = 0
    total: int = 0
    status: str = ""
    """The last lifecycle event: started, finished, stopped or failed."""

    def add(self, events: Iterable[dict[str, Any]]) -> int:
        """Add events (any kinds, in order); returns how many changed the curves."""
        changed = 0
        for event in events:
            self.last_seq = max(self.last_seq, int(event.get("seq") or 0))
            kind = event.get("event")
            if kind == "step" and isinstance(event.get("loss"), int | float):
                step = int(event["step"])
                self._rewind(step)
                self.steps.append(step)
                self.loss.append(float(event["loss"]))
                self.lr.append(float(event.get("lr") or 0.0))
                self.total = int(event.get("total") or self.total)
                changed += 1
            elif kind == "eval" and isinstance(event.get("eval_loss"), int | float):
                step = int(event.get("step") or 0)
                while self.eval_steps and self.eval_steps[-1] >= step:
                    self.eval_steps.pop()
                    self.eval_loss.pop()
                self.eval_steps.append(step)
                self.eval_loss.append(float(event["eval_loss"]))
                changed += 1
            elif kind == "started":
                self.total = int(event.get("total_steps") or self.total)
                self.status = "running"
            elif kind == "finished":
                self.status = "stopped" if event.get("stopped") else "finished"
            elif kind == "failed":
                self.status = "failed"
        return changed

    def _rewind(self, step: int) -> None:
        while self.steps and self.steps[-1] >= step:
            self.steps.pop()
            self.loss.pop()
            self.lr.pop()

    def smoothed(self, weight: float = 0.9) -> list[float]:
        """Exponential moving average of the loss, debiased (as TensorBoard draws it)."""
        out, value = [], 0.0
        for i, x in enumerate(self.loss, start=1):
            value = weight * value + (1 - weight) * x
            out.append(value / (1 - weight**i))
        return out


def thin(xs: list[Any], ys: list[float], limit: int = 1500) -> tuple[list[Any], list[float]]:
    """At most about ``limit`` points, evenly strided, always keeping the last one."""
    if len(xs) <= limit:
        return xs, ys
    stride = -(-len(xs) // limit)
    keep = list(range(0, len(xs), stride))
    if keep[-1] != len(xs) - 1:
        keep.append(len(xs) - 1)
    return [xs[i] for i in keep], [ys[i] for i in keep]

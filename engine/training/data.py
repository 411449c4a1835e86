"""Training data: records read, preflighted, encoded through the chat template and batched.

Each record becomes an ``EncodedChat`` (``engine.chat_encoding``: only assistant tokens carry
loss, the last or all of them). Batches are either padded (one record per row, rows padded to
the longest in the micro-batch) or packed (several records per row up to ``max_length``, the
position ids restarting at each record so attention stays inside it). The order is a seeded
shuffle per epoch, so step N always sees the same batch: a resumed run continues exactly.
"""

from __future__ import annotations

import bisect
import json
import random
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.chat_encoding import IGNORE, EncodedChat, encode_chat
from engine.preflight import Finding, PreflightReport, preflight

Batch = list[list[int]]
"""One micro-batch: rows, each a list of example indices (one index unless packing)."""


@dataclass
class PreparedData:
    train: list[EncodedChat]
    eval: list[EncodedChat]
    report: PreflightReport
    excluded: list[Finding] = field(default_factory=list)

    @property
    def train_tokens(self) -> int:
        return sum(e.length for e in self.train)


def read_records(path: Path) -> list[tuple[Hashable, Any]]:
    """``(f"{file}:{line}", messages)`` for every non-empty line; a line that is not a
    ``{"messages": [...]}`` object yields ``None`` messages (preflight reports it)."""
    out: list[tuple[Hashable, Any]] = []
    name = Path(path).name
    with Path(path).open(encoding="utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                value = None
            messages = value.get("messages") if isinstance(value, dict) else None
            out.append((f"{name}:{number}", messages))
    return out


def _messages(raw: Any) -> list[dict[str, str]]:
    return [{"role": m["role"], "content": m["content"]} for m in raw]


def prepare(
    tokenizer: Any,
    data: Path,
    *,
    eval_data: Path | None,
    eval_split: float,
    max_length: int,
    train_on: str,
    seed: int,
    on_progress: Callable[[int], None] | None = None,
) -> PreparedData:
    """Read, preflight and encode the training (and eval) records.

    Records with a preflight finding are excluded and listed; ``report`` covers every
    record read (training and eval files).
    """
    records = read_records(data)
    held_out: list[tuple[Hashable, Any]] = []
    if eval_data is not None:
        held_out = read_records(eval_data)
    elif eval_split > 0:
        order = list(range(len(records)))
        random.Random(seed).shuffle(order)
        n_eval = max(1, round(len(records) * eval_split))
        chosen = set(order[:n_eval])
        held_out = [r for i, r in enumerate(records) if i in chosen]
        records = [r for i, r in enumerate(records) if i not in chosen]
    report = preflight(
        [*records, *held_out],
        tokenizer=tokenizer,
        max_length=max_length,
        train_on=train_on,
        on_progress=on_progress,
    )
    failing = report.failing

    def encode(rows: list[tuple[Hashable, Any]]) -> list[EncodedChat]:
        return [
            encode_chat(tokenizer, _messages(m), train_on=train_on)  # type: ignore[arg-type]
            for key, m in rows
            if key not in failing
        ]

    return PreparedData(
        train=encode(records),
        eval=encode(held_out),
        report=report,
        excluded=list(report.findings),
    )


def pack(lengths: list[int], order: list[int], capacity: int) -> list[list[int]]:
    """Best-fit packing of examples (in ``order``) into rows of at most ``capacity`` tokens."""
    rows: list[list[int]] = []
    free: list[tuple[int, int]] = []  # (space left, row index), sorted
    for index in order:
        need = lengths[index]
        at = bisect.bisect_left(free, (need, -1))
        if at < len(free):
            space, row = free.pop(at)
            rows[row].append(index)
            bisect.insort(free, (space - need, row))
        else:
            rows.append([index])
            bisect.insort(free, (capacity - need, len(rows) - 1))
    return rows


class BatchPlan:
    """The micro-batches of every epoch, in order, computed on demand and reproducibly."""

    def __init__(
        self, lengths: list[int], *, batch_size: int, packing: bool, capacity: int, seed: int
    ) -> None:
        if not lengths:
            raise ValueError("no training records left after preflight")
        self.lengths = lengths
        self.batch_size = batch_size
        self.packing = packing
        self.capacity = capacity
        self.seed = seed
        self._epochs: dict[int, list[Batch]] = {}

    def epoch(self, number: int) -> list[Batch]:
        if number not in self._epochs:
            order = list(range(len(self.lengths)))
            random.Random(self.seed * 1_000_003 + number).shuffle(order)
            if self.packing:
                rows = pack(self.lengths, order, self.capacity)
                random.Random(self.seed + number).shuffle(rows)
            else:
                rows = [[i] for i in order]
            self._epochs[number] = [
                rows[i : i + self.batch_size] for i in range(0, len(rows), self.batch_size)
            ]
            self._epochs.pop(number - 2, None)  # keep memory flat on long runs
        return self._epochs[number]

    @property
    def per_epoch(self) -> int:
        """Micro-batches in the first epoch (packed epochs differ by a row or two)."""
        return len(self.epoch(0))

    def micro_batches(self, start: int = 0) -> Iterator[tuple[float, Batch]]:
        """``(epoch position, batch)`` from global micro-batch ``start`` on, forever."""
        number, skip = 0, start
        while skip >= len(self.epoch(number)):
            skip -= len(self.epoch(number))
            number += 1
        while True:
            batches = self.epoch(number)
            for i in range(skip, len(batches)):
                yield number + i / len(batches), batches[i]
            number, skip = number + 1, 0


def collate(
    examples: list[EncodedChat], batch: Batch, pad_id: int, *, packing: bool
) -> dict[str, Any]:
    """Tensors for one micro-batch: ``input_ids``, ``labels`` and either ``attention_mask``
    (padding) or ``position_ids`` restarting per record (packing: the model then keeps each
    record's attention inside the record), plus the count of real tokens."""
    import torch

    rows_ids, rows_labels, rows_pos = [], [], []
    for row in batch:
        ids: list[int] = []
        labels: list[int] = []
        pos: list[int] = []
        for index in row:
            ex = examples[index]
            ids.extend(ex.input_ids)
            # A record's first token is never predicted from the previous record's last.
            labels.extend([IGNORE, *ex.labels[1:]])
            pos.extend(range(ex.length))
        rows_ids.append(ids)
        rows_labels.append(labels)
        rows_pos.append(pos)
    width = max(len(r) for r in rows_ids)
    real = sum(len(r) for r in rows_ids)
    out: dict[str, Any] = {}
    input_ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    labels_t = torch.full((len(batch), width), IGNORE, dtype=torch.long)
    for r, (ids, labels) in enumerate(zip(rows_ids, rows_labels, strict=True)):
        input_ids[r, : len(ids)] = torch.tensor(ids)
        labels_t[r, : len(labels)] = torch.tensor(labels)
    out["input_ids"], out["labels"] = input_ids, labels_t
    if packing:
        position_ids = torch.zeros((len(batch), width), dtype=torch.long)
        for r, pos in enumerate(rows_pos):
            position_ids[r, : len(pos)] = torch.tensor(pos)
            # The padding tail counts as a record of its own, so nothing attends to it.
            position_ids[r, len(pos) :] = torch.arange(width - len(pos))
        out["position_ids"] = position_ids
    else:
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for r, ids in enumerate(rows_ids):
            mask[r, : len(ids)] = 1
        out["attention_mask"] = mask
    out["real_tokens"] = real
    return out

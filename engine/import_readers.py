"""Readers: every kind of input as batches of numbered lines (or rows) for the importer.

- JSONL, plain: byte ranges of whole lines (about ``CHUNK_BYTES`` each), found by reading a
  little past each cut to the next newline; the rule reads and splits its range itself, in a
  worker process where there are several.
- JSONL, gzip: decompressed chunks of whole lines.
- JSON arrays (``[...]``, plain or gzip): element by element; "line" is the element number.
- Parquet: row batches; "line" is the row number (1-based).
- Hugging Face datasets saved with ``save_to_disk``, or a dataset id loaded through
  ``datasets`` (from the local cache, or the hub where there is network): row batches.

The lines of a JSONL batch are counted when the rule runs on them (``Batch.count`` is None):
lines are numbered in the order of the batches. ``datasets`` and ``pyarrow`` are imported when
a file is read, not before.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from engine.records import Reason

CHUNK_BYTES = 16 << 20
ROW_BATCH = 50_000
KINDS = ("jsonl", "json", "parquet", "datasets")


@dataclass
class Batch:
    """Part of an input: whole JSONL lines (``data``, or the byte range ``span`` of the plain
    file), numbered ``texts`` (JSON array elements), or ``rows`` (Parquet, datasets) whose first
    line number is ``first_line``."""

    count: int | None
    """Input lines (elements, rows) this batch covers, rejected ones included; None for JSONL
    (counted when the batch is split into lines)."""
    done: float
    total: float
    data: bytes | None = None
    span: tuple[int, int] | None = None
    texts: list[str] | None = None
    numbers: list[int] | None = None
    rows: Any = None
    first_line: int = 1
    rejects: list[tuple[int, str, str, str]] = field(default_factory=list)
    """(line, reason, detail, raw text) of lines rejected while reading."""


def input_kind(path: Path, forced: str | None = None) -> str:
    """What ``path`` is: a JSONL file, a JSON array, Parquet, or a ``datasets`` dataset."""
    if forced:
        if forced not in KINDS:
            raise ValueError(f"unknown input kind {forced!r}; known: {', '.join(KINDS)}")
        return forced
    if path.is_dir():
        if (path / "dataset_dict.json").is_file() or (path / "state.json").is_file():
            return "datasets"
        raise ValueError(
            f"{path}: a folder that is not a dataset saved with datasets' save_to_disk "
            "(no dataset_dict.json or state.json); import its files instead"
        )
    if not path.exists():
        if "/" in str(path) and not str(path).startswith((".", "/", "~")):
            return "datasets"  # a dataset id: from the local cache, or the hub
        raise FileNotFoundError(f"{path}: no such file")
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".parquet"):
        return "parquet"
    with _open(path) as fh:
        head = fh.read(4096).lstrip()
    if name.endswith(".json") and head.startswith(b"["):
        return "json"
    return "jsonl"


def _open(path: Path) -> BinaryIO:
    if path.suffix == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _span_ends(fh: BinaryIO, size: int, chunk_bytes: int) -> Iterator[int]:
    """Offsets just past the newline at or after each cut (and the end). The cuts are
    ``chunk_bytes`` apart, after a first few smaller ones (a sixteenth, an eighth, a quarter,
    a half), so that the first lines are ready soon."""
    pos = 0
    step = max(1, chunk_bytes // 16)
    while pos < size:
        end = pos + step
        step = min(step * 2, chunk_bytes)
        if end >= size:
            yield size
            return
        fh.seek(end)
        while True:
            block = fh.read(1 << 16)
            if not block:
                end = size
                break
            cut = block.find(b"\n")
            if cut >= 0:
                end += cut + 1
                break
            end += len(block)
        yield end
        pos = end


def read_jsonl(path: Path, chunk_bytes: int | None = None) -> Iterator[Batch]:
    chunk_bytes = chunk_bytes or CHUNK_BYTES
    total = path.stat().st_size
    if path.suffix != ".gz":
        with path.open("rb") as fh:
            start = 0
            for end in _span_ends(fh, total, chunk_bytes):
                yield Batch(None, end, total, span=(start, end))
                start = end
        return
    with path.open("rb") as raw_fh, gzip.GzipFile(fileobj=raw_fh) as fh:
        rest = b""
        while True:
            data = fh.read(chunk_bytes)
            if not data:
                if rest:
                    yield Batch(None, total, total, data=rest)
                return
            data = rest + data
            cut = data.rfind(b"\n") + 1
            rest, data = data[cut:], data[:cut]
            if data:
                yield Batch(None, raw_fh.tell(), total, data=data)


def read_json_array(path: Path) -> Iterator[Batch]:
    """Elements of a top-level JSON array; the first unreadable element ends the file."""
    with _open(path) as fh:
        data = fh.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        shown = data[max(0, exc.start - 100) : exc.start + 100].decode("utf-8", "replace")
        detail = f"byte {exc.start}: {exc.reason}; a JSON array is read as a whole"
        yield Batch(1, 1, 1, rejects=[(1, Reason.INVALID_UTF8, detail, shown)])
        return
    decoder = json.JSONDecoder()
    pos = text.index("[") + 1
    numbers: list[int] = []
    texts: list[str] = []
    rejects: list[tuple[int, str, str, str]] = []
    element = first = 0
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text) or text[pos] == "]":
            break
        element += 1
        try:
            _obj, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            detail = (
                f"file line {exc.lineno} column {exc.colno}: {exc.msg}; "
                "the rest of the array cannot be read"
            )
            rejects.append((element, Reason.INVALID_JSON, detail, text[pos : pos + 2000]))
            break
        numbers.append(element)
        texts.append(text[pos:end])
        pos = end
        if len(texts) == ROW_BATCH:
            yield Batch(element - first, pos, len(text), texts=texts, numbers=numbers)
            first, numbers, texts = element, [], []
    yield Batch(element - first, 1, 1, texts=texts, numbers=numbers, rejects=rejects)


def _row_batches(batches: Iterable[Any], total: int) -> Iterator[Batch]:
    """Arrow record batches as numbered batches of rows (a row's "line" is its number)."""
    import pyarrow as pa

    first = 1
    for batch in batches:
        yield Batch(
            batch.num_rows,
            first - 1 + batch.num_rows,
            total,
            rows=pa.Table.from_batches([batch]),
            first_line=first,
        )
        first += batch.num_rows


def read_parquet(path: Path) -> Iterator[Batch]:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    yield from _row_batches(pf.iter_batches(batch_size=ROW_BATCH), pf.metadata.num_rows)


def load_dataset_table(path: Path, split: str | None) -> Any:
    """The Arrow table of a saved dataset or a dataset id (``datasets`` imported here)."""
    import datasets

    if path.exists():
        loaded = datasets.load_from_disk(str(path))
    else:
        loaded = datasets.load_dataset(str(path), split=split or "train")
    if isinstance(loaded, datasets.DatasetDict):
        names = list(loaded)
        chosen = split or ("train" if "train" in names else names[0] if len(names) == 1 else None)
        if chosen not in loaded:
            raise ValueError(f"{path}: choose a split with --split: {', '.join(names)}")
        loaded = loaded[chosen]
    return loaded.data.table


def read_dataset(path: Path, split: str | None = None) -> Iterator[Batch]:
    table = load_dataset_table(path, split)
    yield from _row_batches(table.to_batches(max_chunksize=ROW_BATCH), table.num_rows)


def prefetch(batches: Iterator[Batch], depth: int = 1) -> Iterator[Batch]:
    """Read the next batch in a thread while the caller works on this one (decompression
    releases the GIL; so does DuckDB)."""
    import queue
    import threading

    q: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def run() -> None:
        try:
            for batch in batches:
                while not stop.is_set():
                    try:
                        q.put(batch, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(done)
        except BaseException as exc:  # handed to the consumer
            q.put(exc)

    thread = threading.Thread(target=run, name="import-reader", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


def read(path: Path, kind: str, split: str | None = None) -> Iterator[Batch]:
    if kind == "jsonl":
        batches = read_jsonl(path)
        return prefetch(batches) if path.suffix == ".gz" else batches
    if kind == "json":
        return read_json_array(path)
    if kind == "parquet":
        return read_parquet(path)
    return read_dataset(path, split)

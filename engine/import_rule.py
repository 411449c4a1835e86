"""The record rule for input lines, and pieces of input as columns for the index.

``python_line`` is the rule for one line: parse, detect the format, convert, validate,
normalise, and the dedup keys, or a reject with its reason. Every input line goes through it.
``run`` applies it to a piece of input (whole lines of a JSONL file as bytes or as a byte range
of the file, or numbered texts) and returns the piece's rejects and an Arrow table of its
candidates; the importer runs pieces in worker processes (``engine.importers``) or in its own.

This module imports only the rule and, when a piece is run, ``pyarrow`` and ``numpy``; worker
processes import nothing else of the project.
"""

from __future__ import annotations

import gc
import json
import os
import tempfile
from dataclasses import dataclass
from typing import Any

from engine.record_formats import convert, detect_format
from engine.records import ROLES, Reason, RecordError, encoded_keys

BLANK_LINE = "blank_line"
ROLE_BYTES = {role: role.encode() for role in ROLES}
RAW_KEEP = 2000
NICE = 2
"""How much lower a worker process's priority is than the importing process's."""

Reject = tuple[int, str, str, str]
"""(line, reason, detail, raw text)"""


def python_line(line_no: int, text: str, fmt: str | None) -> Reject | tuple[Any, ...]:
    """The Python rule for one line: a reject ``(line, reason, detail, raw)`` or a
    candidate ``(line_no, fmt, messages, metadata, hash, user_md5, chars)``."""
    result = _line(line_no, text, fmt)
    return result if len(result) == 4 else result[:7]


def _line(line_no: int, text: str, fmt: str | None) -> Reject | tuple[Any, ...]:
    """``python_line``, with the contents as UTF-8 at the end of a candidate."""
    if not text.strip():
        return (line_no, BLANK_LINE, "empty line", text)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        return (line_no, Reason.INVALID_JSON, f"character {exc.pos + 1}: {exc.msg}", text)
    except RecursionError:
        return (line_no, Reason.INVALID_JSON, "nested too deeply", text)
    try:
        if not isinstance(obj, dict):
            raise RecordError(Reason.NOT_AN_OBJECT, f"a JSON {type(obj).__name__}")
        line_fmt = fmt or detect_format(obj)
        messages, metadata = convert(obj, line_fmt)
        # JSON text without a backslash has no escapes, so no string that needs one.
        contents, key, user_md5, chars = encoded_keys(messages, plain="\\" not in text)
        meta = json.dumps(metadata, ensure_ascii=False) if metadata else None
        if meta is not None:
            meta.encode("utf-8")
    except RecordError as exc:
        return (line_no, exc.reason, exc.detail, text)
    except UnicodeEncodeError as exc:
        detail = f"a lone surrogate escape ({exc.object[exc.start : exc.end]!a})"
        return (line_no, Reason.INVALID_UTF8, detail, text)
    return (line_no, line_fmt, messages, meta, key, user_md5, chars, contents)


def decode_lines(data: bytes, first: int) -> tuple[list[int] | None, list[str], list[Reject]]:
    """Whole lines (``\\n``-terminated, the last one may not be) as texts numbered from
    ``first``: ``(numbers, texts, rejects)``; ``numbers`` is None when every line decoded (they
    are then ``first, first + 1, ...``), and a line that is not UTF-8 is a reject."""
    parts = data.split(b"\n")
    if data.endswith(b"\n") or not data:
        parts.pop()
    try:
        return None, [line.decode("utf-8") for line in parts], []
    except UnicodeDecodeError:
        pass
    numbers: list[int] = []
    good: list[str] = []
    rejects: list[Reject] = []
    for index, line in enumerate(parts):
        try:
            good.append(line.decode("utf-8"))
            numbers.append(first + index)
        except UnicodeDecodeError as exc:
            shown = line[:RAW_KEEP].decode("utf-8", errors="replace")
            detail = f"byte {exc.start}: {exc.reason}"
            rejects.append((first + index, Reason.INVALID_UTF8, detail, shown))
    return numbers, good, rejects


def _schema() -> Any:
    import pyarrow as pa

    message = pa.struct([("role", pa.large_string()), ("content", pa.large_string())])
    return pa.schema(
        [
            ("line_no", pa.int64()),
            ("fmt", pa.string()),
            ("msgs", pa.list_(message)),
            ("meta", pa.large_string()),
            ("hash", pa.string()),
            ("user_md5", pa.string()),
            ("chars", pa.int32()),
        ]
    )


def _utf8_array(encoded: list[bytes]) -> Any:
    """A large-string Arrow array of UTF-8 encoded texts (cheaper than converting the ``str``
    objects, which makes each keep a UTF-8 copy of itself)."""
    import numpy as np
    import pyarrow as pa

    offsets = np.zeros(len(encoded) + 1, np.int64)
    np.cumsum(np.fromiter(map(len, encoded), np.int64, len(encoded)), out=offsets[1:])
    data = b"".join(encoded)
    return pa.LargeStringArray.from_buffers(len(encoded), pa.py_buffer(offsets), pa.py_buffer(data))


def _hex_array(digests: list[str] | list[str | None]) -> Any:
    """A string Arrow array of hex digests (or None), from one join rather than one by one."""
    import numpy as np
    import pyarrow as pa

    valid = None
    texts: list[str] = digests  # type: ignore[assignment]
    if None in digests:
        present = np.fromiter((d is not None for d in digests), bool, len(digests))
        valid = pa.py_buffer(np.packbits(present, bitorder="little"))
        texts = [d or "" for d in digests]
    offsets = np.zeros(len(texts) + 1, np.int32)
    np.cumsum(np.fromiter(map(len, texts), np.int32, len(texts)), out=offsets[1:])
    data = "".join(texts).encode("ascii")
    return pa.StringArray.from_buffers(len(texts), pa.py_buffer(offsets), pa.py_buffer(data), valid)


def rule_table(
    numbers: list[int] | None, first: int, texts: list[str], fmt: str | None
) -> tuple[list[Reject], Any]:
    """The rule over numbered texts (``numbers``, or ``first, first + 1, ...``): the rejects,
    and the candidates as an Arrow table in line order."""
    import pyarrow as pa

    # Columns filled line by line, so that each line's objects are freed while in cache.
    line_nos: list[int] = []
    fmts: list[str] = []
    offsets = [0]
    roles: list[bytes] = []
    contents: list[bytes] = []
    metas: list[str | None] = []
    hashes: list[str] = []
    user_md5s: list[str | None] = []
    chars: list[int] = []
    rejects: list[Reject] = []
    count = 0
    for index, text in enumerate(texts):
        result = _line(numbers[index] if numbers is not None else first + index, text, fmt)
        if len(result) == 4:
            line, reason, detail, raw = result
            rejects.append((line, reason, detail, raw[:RAW_KEEP].rstrip("\r\n")))
            continue
        line_no, line_fmt, messages, meta, key, user_md5, n_chars, encoded = result
        line_nos.append(line_no)
        fmts.append(line_fmt)
        for m in messages:
            roles.append(ROLE_BYTES[m["role"]])
        contents.extend(encoded)
        count += len(encoded)
        offsets.append(count)
        metas.append(meta)
        hashes.append(key)
        user_md5s.append(user_md5)
        chars.append(n_chars)
    schema = _schema()
    msgs = pa.ListArray.from_arrays(
        pa.array(offsets, pa.int32()),
        pa.StructArray.from_arrays(
            [_utf8_array(roles), _utf8_array(contents)],
            fields=list(schema.field("msgs").type.value_type),
        ),
    )
    arrays = [
        pa.array(line_nos, pa.int64()),
        pa.array(fmts, pa.string()),
        msgs,
        pa.array(metas, pa.large_string()),
        _hex_array(hashes),
        _hex_array(user_md5s),
        pa.array(chars, pa.int32()),
    ]
    return rejects, pa.Table.from_arrays(arrays, schema=schema)


@dataclass(frozen=True)
class Piece:
    """A piece of input for the rule: whole JSONL lines (``data``), a byte range of a plain
    file (``path``, ``start``, ``end``), or ``texts`` numbered by ``numbers``. Lines of
    ``data`` and of a range are numbered from ``first``."""

    fmt: str | None
    data: bytes | None = None
    path: str | None = None
    start: int = 0
    end: int = 0
    texts: list[str] | None = None
    numbers: list[int] | None = None
    first: int = 0
    out_dir: str | None = None
    """Where a worker process writes the table (Arrow IPC); None: return it."""


@dataclass
class PieceResult:
    lines: int
    """Input lines of the piece (for texts: the texts)."""
    rejects: list[Reject]
    table: Any = None
    table_path: str | None = None

    def load(self) -> Any:
        """The candidates' table (memory-mapped from the worker's file)."""
        if self.table is None and self.table_path is not None:
            import pyarrow as pa

            with pa.memory_map(self.table_path) as source:
                self.table = pa.ipc.open_file(source).read_all()
        return self.table


def run(piece: Piece) -> PieceResult:
    """Apply the rule to a piece of input."""
    rejects: list[Reject] = []
    if piece.texts is not None:
        numbers, texts = piece.numbers, piece.texts
        lines = len(texts)
    else:
        data = piece.data
        if data is None:
            assert piece.path is not None
            with open(piece.path, "rb") as src:
                src.seek(piece.start)
                data = src.read(piece.end - piece.start)
        numbers, texts, rejects = decode_lines(data, piece.first)
        lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    rule_rejects, table = rule_table(numbers, piece.first, texts, piece.fmt)
    if rejects:
        rejects = sorted(rejects + rule_rejects)
    else:
        rejects = rule_rejects
    if piece.out_dir is None:
        return PieceResult(lines, rejects, table=table)
    import pyarrow as pa

    fd, name = tempfile.mkstemp(suffix=".arrow", dir=piece.out_dir)
    with os.fdopen(fd, "wb") as fh, pa.ipc.new_file(fh, table.schema) as writer:
        writer.write_table(table)
    return PieceResult(lines, rejects, table_path=name)


def worker_init(parent: int) -> None:
    """Set up a worker process (``parent`` is the importing process's id).

    - The rule makes no reference cycles, so the cyclic collector (which would scan every
      object a piece keeps) is off.
    - A lower priority (``NICE``): the importing process, which inserts the pieces in order,
      goes first, and the workers use the rest of the CPU.
    - Ctrl-C is the importing process's to handle (it stops the workers).
    - A worker whose importing process has gone (killed) exits.
    """
    import signal
    import threading
    import time

    import pyarrow.ipc  # noqa: F401  (imported now, before the first piece)

    gc.disable()
    if hasattr(os, "nice"):
        os.nice(NICE)
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()

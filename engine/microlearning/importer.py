"""Importing topic files: flat scraper records, candidate batches, schema topic records.

Formats are detected per record, so one file may mix them:

- JSON Lines (``.jsonl``, ``.ndjson``, ``.jsonl.gz``): one record a line;
- JSON (``.json``): an array (a candidate batch), or one record.

A bad line never costs its neighbours: each is reported with the file, the line (or the item
of a JSON array) and the reason, and every valid record is stored. Records are stored in
capture order across all the files of one import, so velocities are measured in order. A
candidate also records that the original proposed the topic (for the novelty window); it
adds an observation only for a post not seen before, since it repeats the counts of the
topics file it was chosen from.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.microlearning import write_lock
from engine.microlearning.ingest import IngestResult, ingest
from engine.microlearning.records import (
    RecordError,
    detect,
    from_candidate,
    from_flat,
    from_schema,
)
from engine.microlearning.schemas import problems
from store import topics as store_topics
from store.db import Database, transaction

CONVERTERS = {"flat": from_flat, "candidate": from_candidate, "topic_record": from_schema}


@dataclass(frozen=True)
class LineError:
    path: str
    where: str
    """``line 12`` or ``item 3``."""
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.where}: {self.reason}"


@dataclass
class ImportReport:
    files: list[str] = field(default_factory=list)
    formats: Counter[str] = field(default_factory=Counter)
    stored: IngestResult = field(default_factory=IngestResult)
    proposals: int = 0
    errors: list[LineError] = field(default_factory=list)

    @property
    def records(self) -> int:
        return sum(self.formats.values())

    def summary(self) -> str:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(self.formats.items())) or "no records"
        return (
            f"{len(self.files)} file(s): {kinds}; {self.stored.new_topics} new topics, "
            f"{self.stored.observations} observations stored, {self.stored.repeated} already "
            f"stored, {self.proposals} earlier proposals; {len(self.errors)} rejected"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "formats": dict(self.formats),
            "new_topics": self.stored.new_topics,
            "observations": self.stored.observations,
            "repeated": self.stored.repeated,
            "proposals": self.proposals,
            "rejected": len(self.errors),
        }


def read_items(path: Path) -> Iterator[tuple[str, Any]]:
    """(where, parsed object or LineError) for each record in a file."""
    name = path.name.lower()
    if name.endswith(".json"):
        try:
            data = json.loads(path.read_bytes().decode("utf-8"))
        except UnicodeDecodeError as exc:
            yield "file", LineError(str(path), "file", f"invalid UTF-8 ({exc.reason})")
            return
        except json.JSONDecodeError as exc:
            where = f"line {exc.lineno}"
            yield where, LineError(str(path), where, f"invalid JSON: {exc.msg}")
            return
        if isinstance(data, list):
            for index, item in enumerate(data, start=1):
                yield f"item {index}", item
        else:
            yield "item 1", data
        return
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rb") as fh:  # type: ignore[operator]
        for number, raw in enumerate(fh, start=1):
            where = f"line {number}"
            try:
                text = raw.decode("utf-8").strip()
            except UnicodeDecodeError as exc:
                yield where, LineError(str(path), where, f"invalid UTF-8 ({exc.reason})")
                continue
            if not text:
                continue
            try:
                yield where, json.loads(text)
            except json.JSONDecodeError as exc:
                yield where, LineError(str(path), where, f"invalid JSON: {exc.msg}")


def parse_file(
    path: Path, report: ImportReport
) -> list[tuple[dict[str, Any], str, dict[str, Any]]]:
    """(record, format, original object) for every usable record; errors go to the report."""
    out = []
    for where, item in read_items(path):
        if isinstance(item, LineError):
            report.errors.append(item)
            continue
        kind = detect(item)
        if kind is None:
            reason = (
                "a shortlist, not topics"
                if isinstance(item, dict) and ("shortlist" in item or "topics" in item)
                else "not a topic record, flat scraper record or candidate"
            )
            report.errors.append(LineError(str(path), where, reason))
            continue
        try:
            record = CONVERTERS[kind](item)
        except RecordError as exc:
            report.errors.append(LineError(str(path), where, f"{kind}: {exc}"))
            continue
        found = problems("topic_record", record)
        if found:
            report.errors.append(LineError(str(path), where, f"{kind}: {found[0]}"))
            continue
        report.formats[kind] += 1
        out.append((record, kind, item))
    return out


def import_files(
    db: Database,
    paths: Sequence[Path | str],
    *,
    on_progress: Callable[[int, int, str], None] | None = None,
) -> ImportReport:
    report = ImportReport()
    parsed: list[tuple[dict[str, Any], str, dict[str, Any], str]] = []
    for index, path in enumerate(map(Path, paths)):
        if on_progress:
            on_progress(index, len(paths), f"reading {path.name}")
        if not path.is_file():
            report.errors.append(LineError(str(path), "file", "no such file"))
            continue
        report.files.append(str(path))
        parsed += [(r, k, o, path.name) for r, k, o in parse_file(path, report)]
    parsed.sort(key=lambda p: p[0]["captured_at"])
    with write_lock, db.connect() as con, transaction(con):
        for record, kind, original, filename in parsed:
            if kind == "candidate":
                report.proposals += 1
                store_topics.add_proposal(
                    con,
                    record["topic_id"],
                    record["captured_at"],
                    f"batch:{filename}",
                    original.get("trendiness_score"),
                )
                if store_topics.get(con, record["topic_id"]) is not None:
                    continue
            report.stored.add(ingest(con, [record]))
    if on_progress:
        on_progress(len(paths), len(paths), report.summary())
    return report

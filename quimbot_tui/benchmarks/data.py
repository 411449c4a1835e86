"""``quimbot-tui bench data --records N``: the import and queries on N records against the
naive loop.

One run: generate N chat records with a known share of exact duplicates (not timed); time the
naive baseline the original used (a Python loop of ``json.loads``, the normalisation, the
sorted-key ``json.dumps`` and ``hashlib.sha256``, with a seen-set) over the file; time the full
import (parse, validate, hash, dedup, index: ``engine.importers.import_file``) into a fresh
workspace and check its counts; time a page at the start, middle and end, a search, and a mix
build; print the ratios against the goals and the process's peak memory.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

_TEXT = (
    "I go went school yesterday book books what why how interesting please tell me more about "
    "your weekend trip family teacher learn learned English grammar question answer café naïve "
    "Mandarin español 中文 the a an to of and in on with because maybe really"
)
WORDS = tuple(_TEXT.split(" "))
GOALS = {"page_ms": 30.0, "search_ms": 300.0, "memory_gib": 2.0}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("data", help="import and queries on N records against the naive loop")
    p.add_argument("--records", type=int, default=1_000_000, help="records (default 1,000,000)")
    p.add_argument("--duplicates", type=float, default=0.10, help="share of duplicate lines")
    p.add_argument("--repeat", type=int, default=5, help="runs of each query (median)")
    p.add_argument("--dir", help="folder for the file and workspace (default: a temp folder)")
    p.set_defaults(func=run)


def generate(path: Path, n: int, dup_rate: float, seed: int = 7) -> int:
    """Write ``n`` records, about ``dup_rate`` of them repeats; return the unique count."""
    rng = random.Random(seed)
    kept: list[str] = []
    unique = 0
    with path.open("w", encoding="utf-8") as fh:
        for _ in range(n):
            if kept and rng.random() < dup_rate:
                fh.write(rng.choice(kept))
                continue
            turns = rng.choice((2, 2, 4, 6))
            messages = [
                {
                    "role": "user" if t % 2 == 0 else "assistant",
                    "content": " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 40))),
                }
                for t in range(turns)
            ]
            line = json.dumps({"messages": messages}, ensure_ascii=False) + "\n"
            unique += 1
            if len(kept) < 50_000:
                kept.append(line)
            fh.write(line)
    return unique


def naive(path: Path) -> tuple[int, int]:
    """The original's loop: parse, normalise, hash with sorted keys, keep unseen keys."""
    seen: set[str] = set()
    lines = 0
    with path.open("rb") as fh:
        for raw in fh:
            lines += 1
            obj = json.loads(raw)
            messages = [
                {"role": m["role"], "content": m["content"].strip()} for m in obj["messages"]
            ]
            key = hashlib.sha256(
                json.dumps(messages, sort_keys=True, ensure_ascii=False).encode("utf-8")
            ).hexdigest()
            if key not in seen:
                seen.add(key)
    return lines, len(seen)


CPU: dict[str, tuple[float, float]] = {}


def _children_cpu() -> float:
    times = os.times()
    return times.children_user + times.children_system


def timed(
    fn: Callable[[], object], repeat: int = 1, label: str | None = None
) -> tuple[float, object]:
    """Median seconds over ``repeat`` runs, and the last result (``label`` also records the
    CPU seconds of all the process's threads, and of the worker processes it ran)."""
    times, result = [], None
    cpu, children = time.process_time(), _children_cpu()
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    if label is not None:
        CPU[label] = (
            (time.process_time() - cpu) / repeat,
            (_children_cpu() - children) / repeat,
        )
    return statistics.median(times), result


def peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def worker_peak_gib() -> float:
    """The peak memory of the largest worker process that has ended (0 if none ran)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20


def run(args: argparse.Namespace) -> int:
    from engine.importers import import_file, worker_count
    from engine.mix import MixSource, Recipe, build_mix
    from engine.workspace import Workspace
    from store import records as store_records
    from store.records import RecordFilter

    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        root = Path(tmp)
        data = root / "records.jsonl"
        print(f"generating {args.records:,} records ({args.duplicates:.0%} duplicates)…")
        unique = generate(data, args.records, args.duplicates)
        size = data.stat().st_size
        print(f"  {data.stat().st_size / 2**20:,.0f} MiB, {unique:,} unique; "
              f"{os.cpu_count()} CPU cores")  # fmt: skip

        t_naive, (lines, seen) = timed(lambda: naive(data), label="naive")  # type: ignore[misc]
        peaks = {"naive loop": peak_gib()}
        assert (lines, seen) == (args.records, unique), (lines, seen)
        ws = Workspace.open(root / "ws")
        t_import, summary = timed(
            lambda: import_file(ws.db, data, source="bench", log=False), label="import"
        )
        assert summary.accepted == unique, summary.as_dict()  # type: ignore[attr-defined]
        assert summary.duplicates == args.records - unique  # type: ignore[attr-defined]
        peaks["import"] = peak_gib()
        workers = worker_count(data, "jsonl")

        rows: dict[str, float] = {}
        with ws.db.connect() as con:
            ((low, high),) = con.execute("SELECT min(id), max(id) FROM records").fetchall()
            middle = (low + high) // 2
            rows["page: first 100"], _ = timed(lambda: store_records.page(con), args.repeat)
            rows["page: middle 100 (after an id)"], _ = timed(
                lambda: store_records.page(con, after_id=middle), args.repeat
            )
            rows["page: last 100"], _ = timed(
                lambda: store_records.page(con, from_end=True), args.repeat
            )
            rows["page: middle 100 by offset (compare)"], _ = timed(
                lambda: store_records.page(con, offset=unique // 2), args.repeat
            )
            flt = RecordFilter(search="weekend trip family")
            rows["search: first page"], _ = timed(lambda: store_records.page(con, flt), args.repeat)
            rows["search: count every match"], hits = timed(
                lambda: store_records.count(con, flt), args.repeat
            )
            rows["count all"], _ = timed(lambda: store_records.count(con), args.repeat)
        recipe = Recipe(name="bench_mix", sources=[MixSource("bench", 1.0, ["bench"])],
                        anchor="bench")  # fmt: skip
        t_mix, mix = timed(lambda: build_mix(ws, recipe, root / "mixes"))
        peaks["queries and mix build"] = peak_gib()
        ws.db.close()

    print(f"\nimport of {args.records:,} lines ({size / 2**20:,.0f} MiB):")
    print(f"  naive loop (json.loads + normalise + sha256)  {t_naive:8.2f} s")
    print(f"  quimbot-tui import (parse, validate, hash, dedup, index)  {t_import:8.2f} s")
    print(f"  import / naive loop  {t_import / t_naive:6.2f}x   (goal: at most 1.0x)")
    naive_cpu = sum(CPU["naive"])
    import_cpu, workers_cpu = CPU["import"]
    print(
        f"  CPU seconds (all threads): naive {naive_cpu:.2f}, import "
        f"{import_cpu + workers_cpu:.2f} ({(import_cpu + workers_cpu) / naive_cpu:.2f}x: "
        f"this process {import_cpu:.2f}, worker processes {workers_cpu:.2f}); "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(f"  import rate  {args.records / t_import:,.0f} lines/s")
    print(f"\nqueries on {unique:,} records (median of {args.repeat}):")
    for label, seconds in rows.items():
        goal = GOALS["search_ms"] if label.startswith("search") else GOALS["page_ms"]
        mark = (
            ""
            if label.startswith("count all") or "compare" in label
            else f"   (goal < {goal:.0f} ms)"
        )
        print(f"  {label:<34} {seconds * 1000:8.1f} ms{mark}")
    print(f"  ({hits:,} records match the search)")
    total = mix.manifest["total"]  # type: ignore[attr-defined]
    print(f"\nmix build of {total:,} records (select, shuffle, write JSONL): {t_mix:.2f} s")
    total_peak = peak_gib() + (workers if workers > 1 else 0) * worker_peak_gib()
    print(f"\npeak memory of this process: {peak_gib():.2f} GiB")
    print("  peak after " + ", ".join(f"{k} {v:.2f} GiB" for k, v in peaks.items()))
    if workers > 1:
        each = worker_peak_gib()
        print(f"  the import's {workers} worker processes: at most {each:.2f} GiB each")
    print(f"  at most {total_peak:.2f} GiB together (goal < 2 GiB)")
    pages = [v for k, v in rows.items() if k.startswith("page") and "compare" not in k]
    searches = [v for k, v in rows.items() if k.startswith("search")]
    print("\ngoals: import " + ("met" if t_import <= t_naive else "missed")
          + ", pages " + ("met" if max(pages) * 1000 < GOALS["page_ms"] else "missed")
          + ", search " + ("met" if max(searches) * 1000 < GOALS["search_ms"] else "missed")
          + ", memory " + ("met" if total_peak < GOALS["memory_gib"] else "missed"))  # fmt: skip
    return 0

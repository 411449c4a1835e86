"""Building a mix: the original Stage 1 algorithm over the workspace's records.

For each source of the recipe, in the recipe's order:

- the anchor and ``take_all`` sources give every record they have, hash-deduplicated in file
  (id) order;
- the others are shuffled with the seed (``numpy.random.default_rng(seed).permutation``, as
  ``datasets``' ``shuffle(seed=...)`` does), oversampled to ``oversample`` times their target,
  deduplicated in that order and truncated to the target.

The sources are concatenated in the recipe's order and shuffled once with ``random.Random(seed)``
(the original seeded Python's RNG with 42 and called ``random.shuffle`` once), then written as
``{"messages": [...]}`` lines, exactly as ``json.dumps(..., ensure_ascii=False)`` writes them,
with a manifest carrying the original's keys. The same records and recipe give the same bytes.

Records can be left out before anything is counted: by id (``exclude``), or every record that
fails preflight (``preflight``: the structural checks, and the length check through a model's
chat template when a tokenizer is given).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine import activity
from engine.mix import PlanRow, Recipe, plan
from engine.workspace import Workspace
from store import records as store_records

ProgressFn = Callable[[str, float, float, str], None]


@dataclass
class MixPreflight:
    """Leave out the records preflight finds a problem with."""

    tokenizer: Any = None
    """A tokenizer (or a model folder to load one from) for the length check; None: only the
    structural checks."""
    max_length: int | None = None
    train_on: str = "last"


@dataclass
class MixResult:
    output: Path
    manifest_path: Path
    manifest: dict[str, Any]
    plan: list[PlanRow]
    excluded: int = 0
    counts: dict[str, int] = field(default_factory=dict)


def _failing_ids(
    ws: Workspace, sources: list[str], check: MixPreflight, progress: ProgressFn
) -> set[int]:
    from engine.preflight import preflight

    tokenizer = check.tokenizer
    if isinstance(tokenizer, (str, Path)):
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(str(tokenizer))
    flt = store_records.RecordFilter(sources=sources)
    with ws.db.connect() as con:
        total = store_records.count(con, flt)

        def pairs():  # type: ignore[no-untyped-def]
            for rows in store_records.iter_messages(con, flt):
                yield from rows

        report = preflight(
            pairs(),
            tokenizer=tokenizer,
            max_length=check.max_length,
            train_on=check.train_on,
            on_progress=lambda n: progress("preflight", n, total, f"{n:,} records checked"),
        )
    return {int(k) for k in report.failing}  # type: ignore[call-overload]


def select(
    recipe: Recipe, pools: dict[str, list[int]]
) -> tuple[list[PlanRow], dict[str, list[int]]]:
    """The plan and the chosen record ids of each mix source, from each source's
    deduplicated pool of ids in file order."""
    import numpy as np

    rows = plan(recipe, {name: len(pool) for name, pool in pools.items()})
    chosen: dict[str, list[int]] = {}
    for s, row in zip(recipe.sources, rows, strict=True):
        pool = pools[s.name]
        if s.name == recipe.anchor or s.take_all:
            chosen[s.name] = list(pool)
            continue
        # Shuffle as datasets' shuffle(seed) does, oversample, (dedup: the pool is unique
        # already), truncate.
        order = np.random.default_rng(recipe.seed).permutation(len(pool))
        window = order[: min(int(recipe.oversample * row.planned), len(pool))]
        chosen[s.name] = [pool[i] for i in window.tolist()][: row.planned]
    return rows, chosen


def _line(messages: list[dict[str, str]]) -> str:
    clean = [{"role": m["role"], "content": m["content"]} for m in messages]
    return json.dumps({"messages": clean}, ensure_ascii=False)


def build_mix(
    ws: Workspace,
    recipe: Recipe,
    out_dir: Path | None = None,
    *,
    exclude: Collection[int] = (),
    preflight: MixPreflight | None = None,
    on_progress: ProgressFn | None = None,
    now: dt.datetime | None = None,
) -> MixResult:
    """Build ``recipe`` into ``out_dir`` (default ``<workspace>/mixes``)."""
    progress = on_progress or (lambda stage, done, total, message: None)
    out_dir = Path(out_dir) if out_dir is not None else ws.root / "mixes"
    out_dir.mkdir(parents=True, exist_ok=True)
    workspace_sources = sorted({f for s in recipe.sources for f in s.from_})
    excluded = set(exclude)
    if preflight is not None:
        excluded |= _failing_ids(ws, workspace_sources, preflight, progress)

    progress("select", 0, len(recipe.sources), "deduplicating the sources")
    with ws.db.connect() as con:
        pools, left_out = store_records.mix_pools(
            con,
            [s.from_ for s in recipe.sources],
            key="user_md5" if recipe.dedup == "first-user-md5" else "hash",
            across=recipe.dedup == "cross-source",
            exclude=sorted(excluded),
        )
        inputs = _inputs(con, recipe)
    rows, chosen = select(recipe, {s.name: p for s, p in zip(recipe.sources, pools, strict=True)})
    if not any(chosen.values()):
        have = ", ".join(f"{s.name} <- {'+'.join(s.from_)}" for s in recipe.sources)
        raise ValueError(
            f"{recipe.name}: nothing to build: the workspace has no records for its sources "
            f"({have}); import data with `quimbot-tui data import FILE --source NAME`"
        )
    combined = [(name, i) for name in chosen for i in chosen[name]]
    random.Random(recipe.seed).shuffle(combined)
    progress("select", len(recipe.sources), len(recipe.sources), f"{len(combined):,} records")

    output = out_dir / f"{recipe.name}.jsonl"
    tmp = output.with_suffix(".jsonl.tmp")
    digest = hashlib.sha256()
    counts = {s.name: len(chosen[s.name]) for s in recipe.sources}
    with ws.db.connect() as con, tmp.open("w", encoding="utf-8", newline="\n") as fh:
        written = 0
        for batch in store_records.messages_by_ids(con, [i for _, i in combined]):
            text = "".join(_line(messages) + "\n" for _, messages in batch)
            fh.write(text)
            digest.update(text.encode("utf-8"))
            written += len(batch)
            progress("write", written, len(combined), f"{written:,} of {len(combined):,}")
    tmp.replace(output)

    total = sum(counts.values())
    manifest = {
        "name": recipe.name,
        "date": (now or dt.datetime.now()).isoformat(),
        "seed": recipe.seed,
        "target_ratios": {s.name: s.ratio for s in recipe.sources},
        "actual_counts": counts,
        "total": total,
        "actual_ratios": {n: round(c / total, 4) if total else 0.0 for n, c in counts.items()},
        "inputs": inputs,
        "output": str(output),
        "recipe": str(recipe.path) if recipe.path else None,
        "anchor": recipe.anchor,
        "oversample": recipe.oversample,
        "dedup": recipe.dedup,
        "redistribute_shortfall": recipe.redistribute_shortfall,
        "planned_counts": {r.source: r.planned for r in rows},
        "target_counts": {r.source: r.target for r in rows},
        "shortfall": {r.source: r.shortfall for r in rows if r.shortfall},
        "excluded": left_out,
        "sha256": digest.hexdigest(),
    }
    manifest_path = out_dir / f"{recipe.name}_manifest.json"
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    activity.log(
        ws.db, "mix.build", str(output), recipe=recipe.name, total=total, excluded=left_out
    )
    return MixResult(output, manifest_path, manifest, rows, left_out, counts)


def _inputs(con: Any, recipe: Recipe) -> dict[str, list[str]]:
    """For each mix source, the files its workspace sources were imported from."""
    paths: dict[str, list[str]] = {}
    for source, path in con.execute(
        "SELECT source, path FROM imports WHERE accepted > 0 ORDER BY id"
    ).fetchall():
        paths.setdefault(source, [])
        if path not in paths[source]:
            paths[source].append(path)
    return {s.name: [p for f in s.from_ for p in paths.get(f, [])] for s in recipe.sources}

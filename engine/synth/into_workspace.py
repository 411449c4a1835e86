"""``data synth``: generated scaffolding dialogues written to a file and imported as a source."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine import activity
from engine.importers import ImportSummary, import_file
from engine.synth import SynthOptions, generate
from engine.workspace import Workspace


@dataclass
class SynthResult:
    path: Path
    generated: int
    summary: ImportSummary


def synthesize(
    ws: Workspace,
    options: SynthOptions,
    *,
    source: str = "synth",
    scaffolding: bool = True,
    on_progress: Callable[[str, float, float, str], None] | None = None,
) -> SynthResult:
    """Generate ``options.count`` dialogues that are in no source of the workspace yet, write
    them to ``<workspace>/synth/<source>-seed<seed>.jsonl`` and import that file as ``source``.

    ``scaffolding`` writes the original's scaffolding records (labels as metadata); otherwise
    plain ``{"messages": ...}`` records.
    """
    progress = on_progress or (lambda stage, done, total, message: None)
    options.validate()
    with ws.db.connect() as con:
        existing = {r[0] for r in con.execute("SELECT DISTINCT hash FROM records").fetchall()}
    dialogues = generate(
        options,
        exclude=existing,
        on_progress=lambda n, total: progress("generate", n, total, f"{n:,} dialogues"),
    )
    folder = ws.root / "synth"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{source}-seed{options.seed}.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for d in dialogues:
            record = d.scaffolding_record() if scaffolding else {"messages": d.messages}
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    summary = import_file(
        ws.db,
        path,
        source=source,
        on_progress=lambda done, total: progress("import", done, total, "indexing"),
    )
    activity.log(
        ws.db,
        "data.synth",
        source,
        generated=len(dialogues),
        accepted=summary.accepted,
        seed=options.seed,
        path=str(path),
    )
    return SynthResult(path, len(dialogues), summary)

"""The pipeline's engine and store modules load no UI and no heavy library at import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODULES = (
    "engine.microlearning.config, engine.microlearning.signals, engine.microlearning.schemas, "
    "engine.microlearning.records, engine.microlearning.ingest, engine.microlearning.importer, "
    "engine.microlearning.scoring, engine.microlearning.shortlist, "
    "engine.microlearning.approvals, engine.microlearning.packets, engine.microlearning.publish, "
    "engine.microlearning.scrape, engine.microlearning.inbox, store.topics, store.approvals, "
    "store.packets"
)


def test_pipeline_modules_import_lightly() -> None:
    code = f"import {MODULES}\nimport sys\nprint('\\n'.join(sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    loaded = set(out.split())
    assert "engine.microlearning.scrape" in loaded
    for heavy in ("textual", "praw", "prawcore", "jsonschema", "watchfiles", "torch"):
        assert heavy not in loaded, heavy

"""Export: merge an adapter into its base, verify, and write GGUF and an Ollama Modelfile."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from engine.export.gguf_file import QTYPES, read_gguf, write_gguf
from engine.export.merge import check_merge, merge_adapter
from engine.export.modelfile import go_template_for, write_modelfile

ProgressFn = Callable[[str, float, float, str], None]


class ExportBlocked(RuntimeError):
    """The adapter did not pass the eval gate; nothing was exported."""


@dataclass
class ExportReport:
    out: Path
    base: str
    adapter: str
    merged: Path
    max_abs_diff: float
    tolerance: float
    gguf: Path | None = None
    gguf_type: str | None = None
    modelfile: Path | None = None
    ollama_name: str | None = None
    seconds: float = 0.0
    gate: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {k: str(v) if isinstance(v, Path) else v for k, v in asdict(self).items()}


def export_adapter(
    base: str,
    adapter: Path,
    out: Path,
    *,
    gguf: str | None = None,
    ollama: str | None = None,
    on_progress: ProgressFn | None = None,
    gate: dict[str, Any] | None = None,
) -> ExportReport:
    """Merge, verify the merge, and optionally write GGUF and a Modelfile into ``out``.

    ``gate`` is the eval gate's verdict (``engine.eval.gate``), kept in ``export.json``."""
    from transformers import AutoTokenizer

    if gguf is not None and gguf not in QTYPES:
        raise ValueError(f"unknown GGUF type {gguf!r}; one of {', '.join(QTYPES)}")
    if ollama and gguf is None:
        gguf = "f16"
    say = on_progress or (lambda stage, done, total, message: None)
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    merged = merge_adapter(
        base, adapter, out / "merged", on_progress=lambda m: say("merge", 0, 1, m)
    )
    say("merge", 1, 1, "merged")
    say("verify", 0, 1, "comparing logits of merged and base + adapter")
    check = check_merge(base, adapter, merged)
    if not check.passed:
        raise RuntimeError(
            f"the merged model's logits differ from base + adapter by {check.max_abs_diff:.3g}"
            f" (tolerance {check.tolerance:g}); the merge is not trustworthy"
        )
    say("verify", 1, 1, f"max |Δlogit| {check.max_abs_diff:.2e}")
    report = ExportReport(
        out=out,
        base=base,
        adapter=str(adapter),
        merged=merged,
        max_abs_diff=check.max_abs_diff,
        tolerance=check.tolerance,
        gate=gate or {},
    )
    if gguf is not None:
        path = out / f"{merged.parent.name}-{gguf}.gguf"
        write_gguf(
            merged, path, gguf, on_progress=lambda d, t: say("gguf", d, t, f"tensor {d}/{t}")
        )
        report.gguf, report.gguf_type = path, gguf
        read_gguf(path)  # reads back, or raises
    if ollama:
        tokenizer = AutoTokenizer.from_pretrained(merged)
        template = go_template_for(tokenizer)
        assert report.gguf is not None
        report.modelfile = write_modelfile(out / "Modelfile", report.gguf.name, template)
        report.ollama_name = ollama
        say("ollama", 1, 1, f"ollama create {ollama} -f {report.modelfile}")
    report.seconds = round(time.perf_counter() - started, 2)
    (out / "export.json").write_text(json.dumps(report.as_dict(), indent=2) + "\n")
    return report

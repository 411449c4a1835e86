"""What an evaluation produces: replies from backends, results per (model, test), runs.

Everything here round-trips through plain dicts (JSON), and reading tolerates keys it does
not know and fills the ones it lacks: the original framework rebuilt cached results with
``EvalResult(**cached)`` and every cache hit raised on its extra ``success`` key.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from engine.eval.metrics import MetricValue, numeric

T = TypeVar("T")


def from_mapping(cls: type[T], data: Mapping[str, Any]) -> T:
    """Build dataclass ``cls`` from ``data``, ignoring unknown keys (never raises on them)."""
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in data.items() if k in names})


@dataclass
class Reply:
    """One answer from a backend, with what it cost. ``error`` set means no answer."""

    text: str = ""
    tokens: int | None = None
    prompt_tokens: int | None = None
    seconds: float = 0.0
    """Latency: from sending the request to the last token."""
    first_token_s: float | None = None
    tokens_per_s: float | None = None
    finish_reason: str = ""
    error: str | None = None
    tokens_source: str = ""
    """Where ``tokens`` came from: ``engine``, ``server`` (reported usage) or ``chunks``."""

    @property
    def ok(self) -> bool:
        return self.error is None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def item_key(conversation: Sequence[Mapping[str, str]], response: str) -> str:
    """A stable id for one answer to one conversation: human ratings attach to it."""
    blob = json.dumps({"c": list(conversation), "r": response}, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:20]


@dataclass
class EvalResult:
    """One model's answer to one test, its measurements, metrics and judge verdict."""

    model: str
    """The model spec as given (``base``, ``adapter:PATH``, ``ollama:NAME``, ...)."""
    label: str
    test: str
    suite: str
    conversation: list[dict[str, str]]
    response: str = ""
    error: str | None = None
    tokens: int | None = None
    prompt_tokens: int | None = None
    seconds: float = 0.0
    first_token_s: float | None = None
    tokens_per_s: float | None = None
    finish_reason: str = ""
    tokens_source: str = ""
    cached: bool = False
    metrics: dict[str, MetricValue] = field(default_factory=dict)
    judge: dict[str, str] = field(default_factory=dict)
    """Dimension -> label, from the judge model (empty without a judge)."""
    judge_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def key(self) -> str:
        return item_key(self.conversation, self.response)

    @classmethod
    def from_reply(
        cls, model: str, label: str, test: str, suite: str, convo: list[dict[str, str]], r: Reply
    ) -> EvalResult:
        return cls(
            model=model,
            label=label,
            test=test,
            suite=suite,
            conversation=convo,
            response=r.text.strip(),
            error=r.error,
            tokens=r.tokens,
            prompt_tokens=r.prompt_tokens,
            seconds=r.seconds,
            first_token_s=r.first_token_s,
            tokens_per_s=r.tokens_per_s,
            finish_reason=r.finish_reason,
            tokens_source=r.tokens_source,
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"success": self.ok}


@dataclass
class EvalRun:
    """Every result of one evaluation, in model order then test order."""

    suite: str
    models: list[str]
    labels: dict[str, str]
    """Model spec -> a short name for tables."""
    tests: list[str]
    settings: dict[str, Any]
    metrics: list[str]
    created_at: str
    results: list[EvalResult] = field(default_factory=list)
    description: str = ""
    judge: str | None = None
    key_metrics: dict[str, str] = field(default_factory=dict)
    id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["results"] = [r.as_dict() for r in self.results]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EvalRun:
        run = from_mapping(cls, data)
        run.results = [from_mapping(EvalResult, r) for r in data.get("results", [])]
        return run

    # -- looking things up --------------------------------------------------------------
    def of(self, model: str) -> list[EvalResult]:
        return [r for r in self.results if r.model == model]

    def get(self, model: str, test: str) -> EvalResult | None:
        for r in self.results:
            if r.model == model and r.test == test:
                return r
        return None

    @property
    def base_model(self) -> str | None:
        """The model the others are compared with: ``base`` when it was evaluated."""
        return "base" if "base" in self.models else None

    @property
    def failed(self) -> list[EvalResult]:
        return [r for r in self.results if not r.ok]


def mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.fmean(present) if present else None


@dataclass
class ModelSummary:
    """Means over one model's results (failures count only in ``failed``)."""

    model: str
    label: str
    results: int
    ok: int
    failed: int
    cached: int
    seconds: float | None
    first_token_s: float | None
    tokens_per_s: float | None
    tokens: float | None
    metrics: dict[str, float | None]
    judge: dict[str, float | None]

    @property
    def success_rate(self) -> float:
        return self.ok / self.results if self.results else 0.0


def summarise(
    run: EvalRun, model: str, judge_scores: Mapping[str, Mapping[str, float]] | None = None
) -> ModelSummary:
    """Means of one model's measurements and metrics; ``judge_scores`` maps dimension ->
    label -> score for the judge means."""
    judge_scores = judge_scores or {}
    results = run.of(model)
    good = [r for r in results if r.ok]
    metric_means = {m: mean(numeric(r.metrics.get(m)) for r in good) for m in run.metrics}
    judge_means = {
        dim: mean(scores.get(r.judge[dim]) for r in good if dim in r.judge)
        for dim, scores in judge_scores.items()
    }
    return ModelSummary(
        model=model,
        label=run.labels.get(model, model),
        results=len(results),
        ok=len(good),
        failed=len(results) - len(good),
        cached=sum(r.cached for r in results),
        seconds=mean(r.seconds for r in good),
        first_token_s=mean(r.first_token_s for r in good),
        tokens_per_s=mean(r.tokens_per_s for r in good),
        tokens=mean(float(r.tokens) if r.tokens is not None else None for r in good),
        metrics=metric_means,
        judge=judge_means,
    )

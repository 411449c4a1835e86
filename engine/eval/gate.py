"""The export gate: an adapter is exported only if it does not fall below its base.

A suite declares its key metrics and which direction is better::

    [key_metrics]
    ends_with_question = "higher"
    explicit_correction = "lower"

The gate evaluates base and adapter on the suite (through the cache, so a gate right after
an eval costs nothing) and compares the means: the adapter passes a "higher" metric when its
mean is at least the base's, a "lower" one when it is at most the base's. Any failed answer
blocks too: an adapter that could not be evaluated is not known to be good.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from engine.eval.results import EvalRun, summarise
from engine.eval.runner import EvalOptions, ProgressFn, run_eval
from engine.export import ExportBlocked
from engine.suites import load_suite
from engine.workspace import Workspace

EPSILON = 1e-9


@dataclass
class GateCheck:
    metric: str
    better: str
    base: float | None
    adapter: float | None
    passed: bool

    def text(self) -> str:
        def show(v: float | None) -> str:
            return "n/a" if v is None else f"{v:.3f}"

        verdict = "ok" if self.passed else "worse than base"
        return (
            f"{self.metric}: adapter {show(self.adapter)}, base {show(self.base)} "
            f"({self.better} is better): {verdict}"
        )


@dataclass
class GateResult:
    suite: str
    adapter: str
    checks: list[GateCheck]
    failed_answers: int = 0
    run_id: int | None = None
    blocked_by: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.blocked_by

    def message(self) -> str:
        if self.passed:
            return f"{self.adapter} passes {self.suite}: " + "; ".join(
                c.text() for c in self.checks
            )
        reasons = []
        if self.failed_answers:
            reasons.append(f"{self.failed_answers} answers failed")
        reasons += [c.text() for c in self.checks if not c.passed]
        return (
            f"export blocked: {self.adapter} falls below base on suite {self.suite} "
            f"(blocked by {', '.join(self.blocked_by)}): " + "; ".join(reasons)
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"passed": self.passed}


def compare_with_base(run: EvalRun, adapter: str, base: str = "base") -> GateResult:
    """Check the adapter against base on the run's key metrics."""
    if not run.key_metrics:
        raise ValueError(
            f"suite {run.suite} declares no key metrics: add a [key_metrics] table "
            '(metric = "higher" or "lower") to use it as an export gate'
        )
    base_means = summarise(run, base).metrics
    adapter_means = summarise(run, adapter).metrics
    checks = []
    for name, better in run.key_metrics.items():
        b, a = base_means.get(name), adapter_means.get(name)
        if a is None or b is None:
            ok = False
        elif better == "higher":
            ok = a >= b - EPSILON
        else:
            ok = a <= b + EPSILON
        checks.append(GateCheck(name, better, b, a, ok))
    failed = len(run.failed)
    blocked = [c.metric for c in checks if not c.passed]
    if failed:
        blocked.insert(0, "failed answers")
    return GateResult(run.suite, run.labels.get(adapter, adapter), checks, failed, run.id, blocked)


def require_eval(
    ws: Workspace,
    suite: str,
    adapter: str,
    *,
    model: str | None = None,
    options: EvalOptions | None = None,
    on_progress: ProgressFn | None = None,
) -> GateResult:
    """Evaluate base and ``adapter`` on ``suite``; raise ExportBlocked unless it passes."""
    loaded = load_suite(suite)
    if not loaded.key_metrics:
        raise ValueError(
            f"suite {loaded.name} declares no key metrics: add a [key_metrics] table "
            '(metric = "higher" or "lower") to use it as an export gate'
        )
    options = options or EvalOptions()
    options.model = model or options.model
    options.metrics = sorted(set(options.metrics or []) | set(loaded.key_metrics)) or None
    run = run_eval(ws, ["base", adapter], loaded, options, on_progress=on_progress)
    result = compare_with_base(run, adapter)
    if not result.passed:
        raise ExportBlocked(result.message())
    return result

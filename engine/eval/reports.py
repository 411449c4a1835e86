"""Reports of a run: JSON, Markdown and a plain-text comparison.

Every report is a pure function of the run (and of the human ratings, for agreement): models
in the order given, tests in suite order, metrics in registry order, errors sorted, no clock
read. The same results therefore give byte-identical files, which makes reports diffable
between runs and safe to commit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from engine.eval.judge import Rubric, agreement
from engine.eval.metrics import METRICS, MetricValue, numeric
from engine.eval.results import EvalResult, EvalRun, ModelSummary, summarise

RULE = "=" * 80
THIN = "-" * 80


def fmt(value: float | None, places: int = 2) -> str:
    return "–" if value is None else f"{value:.{places}f}"


def fmt_metric(value: MetricValue) -> str:
    if value is None:
        return "–"
    if isinstance(value, dict):
        return str(value.get("total", ""))
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def delta(value: float | None, base: float | None) -> str:
    if value is None or base is None:
        return "–"
    return f"{value - base:+.2f}"


def summaries(run: EvalRun, rubric: Rubric | None = None) -> dict[str, ModelSummary]:
    scores = rubric.scores if rubric is not None and run.judge else {}
    return {m: summarise(run, m, scores) for m in run.models}


# -- JSON -------------------------------------------------------------------------------------


def to_json(run: EvalRun, rubric: Rubric | None = None) -> str:
    data: dict[str, Any] = run.as_dict()
    data["summary"] = {
        m: {k: v for k, v in vars(s).items() if k not in ("model",)}
        | {"success_rate": s.success_rate}
        for m, s in summaries(run, rubric).items()
    }
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# -- Markdown --------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def _settings(run: EvalRun) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(run.settings.items()))


def _others(run: EvalRun) -> list[str]:
    return [m for m in run.models if m != run.base_model]


def to_markdown(
    run: EvalRun,
    rubric: Rubric | None = None,
    human: Mapping[str, Mapping[str, str]] | None = None,
) -> str:
    sums = summaries(run, rubric)
    label = run.labels
    out = [f"# Evaluation report: {run.suite}", ""]
    out += [
        f"- **Suite:** {run.suite}" + (f": {run.description}" if run.description else ""),
        "- **Models:** " + ", ".join(f"{label[m]} (`{m}`)" for m in run.models),
        f"- **Tests:** {len(run.tests)}",
        f"- **Settings:** {_settings(run)}",
        f"- **Judge:** `{run.judge}`" if run.judge else "- **Judge:** none",
        f"- **Created:** {run.created_at}",
        "",
    ]
    out += _summary(run, sums) + _performance(run, sums) + _metric_means(run, sums)
    if run.judge and rubric is not None:
        out += _judge_section(run, sums, rubric, human or {})
    out += _per_test(run) + _responses(run) + _errors(run)
    return "\n".join(out).rstrip("\n") + "\n"


def _summary(run: EvalRun, sums: Mapping[str, ModelSummary]) -> list[str]:
    good = [r for r in run.results if r.ok]
    from engine.eval.results import mean

    return [
        "## Summary",
        "",
        f"- Results: {len(run.results)} ({len(good)} successful, {len(run.failed)} failed, "
        f"{sum(r.cached for r in run.results)} from the cache)",
        f"- Average latency: {fmt(mean(r.seconds for r in good))} s",
        f"- Average time to first token: {fmt(mean(r.first_token_s for r in good), 3)} s",
        f"- Average speed: {fmt(mean(r.tokens_per_s for r in good), 1)} tok/s",
        "",
    ]


def _performance(run: EvalRun, sums: Mapping[str, ModelSummary]) -> list[str]:
    rows = [
        [
            s.label,
            str(s.results),
            f"{s.success_rate:.0%}",
            str(s.cached),
            fmt(s.seconds),
            fmt(s.first_token_s, 3),
            fmt(s.tokens_per_s, 1),
            fmt(s.tokens, 1),
        ]
        for s in sums.values()
    ]
    header = ["Model", "Results", "Success", "Cached", "Latency (s)", "First token (s)"]
    header += ["Speed (tok/s)", "Tokens"]
    return ["## Performance per model", "", *_table(header, rows)]


def _metric_means(run: EvalRun, sums: Mapping[str, ModelSummary]) -> list[str]:
    base = run.base_model
    others = _others(run) if base else []
    header = ["Metric", "Better"] + [run.labels[m] for m in run.models]
    header += [f"Δ {run.labels[m]}" for m in others]
    rows = []
    for name in run.metrics:
        better = run.key_metrics.get(name) or METRICS[name].better
        key = " (key)" if name in run.key_metrics else ""
        row = [name + key, better or ""] + [fmt(sums[m].metrics.get(name)) for m in run.models]
        if base:
            row += [delta(sums[m].metrics.get(name), sums[base].metrics.get(name)) for m in others]
        rows.append(row)
    title = "## Metrics per model (means over successful answers"
    title += ", Δ against base)" if base else ")"
    return [title, "", *_table(header, rows)]


def _judge_section(
    run: EvalRun,
    sums: Mapping[str, ModelSummary],
    rubric: Rubric,
    human: Mapping[str, Mapping[str, str]],
) -> list[str]:
    agree = agreement(run.results, human, rubric)
    header = ["Dimension"] + [run.labels[m] for m in run.models] + ["Judge vs people"]
    rows = [
        [d.name] + [fmt(sums[m].judge.get(d.name)) for m in run.models] + [agree[d.name].text()]
        for d in rubric.dimensions
    ]
    failures = sum(1 for r in run.results if r.judge_error)
    lines = [f"## Judge ({run.judge}, rubric {rubric.name}: score 1 best, 0 worst)", ""]
    lines += _table(header, rows)
    if failures:
        lines += [f"{failures} answers could not be judged (see the JSON report).", ""]
    return lines


def _per_test(run: EvalRun) -> list[str]:
    out = ["## Metrics per test", ""]
    for test in run.tests:
        results = [run.get(m, test) for m in run.models]
        out += [f"### Test: {test}", ""]
        if not any(r is not None and r.ok for r in results):
            out += ["*No successful results*", ""]
            continue
        header = ["Metric"] + [run.labels[m] for m in run.models]
        rows = [
            [name] + [fmt_metric(r.metrics.get(name)) if r and r.ok else "–" for r in results]
            for name in run.metrics
        ]
        out += _table(header, rows)
    return out


def _footer(r: EvalResult) -> str:
    parts = [f"latency {fmt(r.seconds)} s"]
    if r.first_token_s is not None:
        parts.append(f"first token {fmt(r.first_token_s, 3)} s")
    if r.tokens_per_s is not None:
        parts.append(f"{fmt(r.tokens_per_s, 1)} tok/s")
    if r.tokens is not None:
        parts.append(f"{r.tokens} tokens")
    if r.finish_reason:
        parts.append(r.finish_reason)
    if r.cached:
        parts.append("from the cache")
    return "*" + " · ".join(parts) + "*"


def _quote(text: str) -> list[str]:
    return [f"> {line}".rstrip() for line in text.splitlines()] or [">"]


def _responses(run: EvalRun) -> list[str]:
    out = ["## Responses", ""]
    for test in run.tests:
        results = [r for m in run.models if (r := run.get(m, test)) is not None]
        if not results:
            continue
        out += [f"### Test: {test}", ""]
        for message in results[0].conversation:
            out += [f"**{message['role']}:**", *_quote(message["content"]), ""]
        for r in results:
            out += [f"#### {run.labels[r.model]}", ""]
            if not r.ok:
                out += [f"**ERROR:** {r.error}", ""]
                continue
            out += [_footer(r), "", *_quote(r.response), ""]
            if r.judge:
                out += ["Judge: " + ", ".join(f"{k} {v}" for k, v in r.judge.items()), ""]
    return out


def _errors(run: EvalRun) -> list[str]:
    failed = run.failed
    if not failed:
        return []
    out = ["## Errors", ""]
    by_error: dict[str, list[EvalResult]] = {}
    for r in failed:
        by_error.setdefault(str(r.error), []).append(r)
    for error in sorted(by_error):
        out += [f"### {error}", ""]
        out += [f"- {run.labels[r.model]}/{r.test}" for r in by_error[error]] + [""]
    return out


# -- plain comparison --------------------------------------------------------------------------


def to_comparison(run: EvalRun) -> str:
    sums = summaries(run)
    out = [f"Model comparison: {run.suite}", f"Created: {run.created_at}", ""]
    width = max(len(run.labels[m]) for m in run.models)
    keys = list(run.key_metrics) or [
        m for m in ("ends_with_question", "question_ratio", "word_count") if m in run.metrics
    ]
    for m in run.models:
        s = sums[m]
        means = "  ".join(f"{k} {fmt(s.metrics.get(k))}" for k in keys if k in run.metrics)
        out.append(
            f"{run.labels[m]:<{width}}  ok {s.ok}/{s.results}  latency {fmt(s.seconds)} s  "
            f"{fmt(s.tokens_per_s, 1)} tok/s  {means}".rstrip()
        )
    out.append("")
    for test in run.tests:
        results = [r for m in run.models if (r := run.get(m, test)) is not None]
        if not results:
            continue
        last = results[0].conversation[-1]["content"] if results[0].conversation else ""
        out += [RULE, f"TEST: {test}", f"PROMPT: {last}", RULE]
        for r in results:
            out.append(f"[{run.labels[r.model]}]")
            if r.ok:
                out.append(
                    f"Time: {fmt(r.seconds)}s | Speed: {fmt(r.tokens_per_s, 1)} tok/s | "
                    f"Tokens: {r.tokens if r.tokens is not None else '–'}"
                )
                out += [THIN, r.response, ""]
            else:
                out += [THIN, f"ERROR: {r.error}", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def metric_value(result: EvalResult, name: str) -> float | None:
    return numeric(result.metrics.get(name))

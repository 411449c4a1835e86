"""The Eval screen's views of a run: metrics per model, answers, and one answer in full."""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual.widgets import DataTable

from engine.eval.judge import Agreement, Rubric
from engine.eval.metrics import METRICS
from engine.eval.reports import delta, fmt, fmt_metric, summaries
from engine.eval.results import EvalResult, EvalRun

PERFORMANCE = (
    ("latency (s)", "seconds", 2, "lower"),
    ("first token (s)", "first_token_s", 3, "lower"),
    ("speed (tok/s)", "tokens_per_s", 1, "higher"),
    ("tokens", "tokens", 1, ""),
)


def _delta_cell(value: float | None, base: float | None, better: str) -> Text:
    text = delta(value, base)
    if value is None or base is None or not better or abs(value - base) < 1e-9:
        return Text(text, style="dim")
    good = (value > base) == (better == "higher")
    return Text(text, style="green" if good else "red")


class MetricsTable(DataTable[Text | str]):
    """Rows of measurements, metrics and judge scores; a column per model and a Δ column
    per fine-tuned model against base, green where it moved the right way."""

    def show(self, run: EvalRun, rubric: Rubric | None, agree: Mapping[str, Agreement]) -> None:
        self.clear(columns=True)
        base = run.base_model
        others = [m for m in run.models if m != base] if base else []
        self.add_columns("metric", "better", *(run.labels[m] for m in run.models))
        self.add_columns(*(f"Δ {run.labels[m]}" for m in others))
        if run.judge:
            self.add_column("judge vs people")
        sums = summaries(run, rubric)
        ok = [
            f"{s.ok}/{s.results}" + (f" ({s.cached} cached)" if s.cached else "")
            for s in sums.values()
        ]
        self.add_row("answers", "", *ok, *("" for _ in others), *([""] if run.judge else []))
        for title, attr, places, better in PERFORMANCE:
            values = {m: getattr(sums[m], attr) for m in run.models}
            self._row(run, title, better, values, base, others, places)
        for name in run.metrics:
            better = run.key_metrics.get(name) or METRICS[name].better
            values = {m: sums[m].metrics.get(name) for m in run.models}
            title = name + (" ★" if name in run.key_metrics else "")
            self._row(run, title, better, values, base, others, 2)
        if run.judge and rubric is not None:
            for d in rubric.dimensions:
                values = {m: sums[m].judge.get(d.name) for m in run.models}
                extra = agree[d.name].text() if d.name in agree else ""
                self._row(run, f"judge: {d.name}", "higher", values, base, others, 2, extra)

    def _row(
        self,
        run: EvalRun,
        title: str,
        better: str,
        values: Mapping[str, float | None],
        base: str | None,
        others: list[str],
        places: int,
        extra: str | None = None,
    ) -> None:
        cells: list[Text | str] = [title, better]
        cells += [fmt(values[m], places) for m in run.models]
        if base:
            cells += [_delta_cell(values[m], values[base], better) for m in others]
        if run.judge:
            cells.append(extra or "")
        self.add_row(*cells)


class ResultsTable(DataTable[str]):
    """One row per answer: test, model, the start of the answer, speed, ratings."""

    def show(self, run: EvalRun, human: Mapping[str, Mapping[str, str]], dims: int) -> None:
        keep = self.cursor_row
        self.clear()
        if not self.columns:
            for name in ("test", "model", "answer", "latency", "tok/s", "judge", "rated"):
                self.add_column(name, key=name)
        for index, r in enumerate(run.results):
            answer = r.response.replace("\n", " ")[:40] if r.ok else f"ERROR {r.error}"[:40]
            rated = self.rated(r, human, dims)
            judge = f"{len(r.judge)}/{dims}" if r.judge else ("failed" if r.judge_error else "")
            self.add_row(
                r.test,
                run.labels[r.model],
                answer + (" ◷" if r.cached else ""),
                fmt(r.seconds),
                fmt(r.tokens_per_s, 1),
                judge,
                rated,
                key=str(index),
            )
        if run.results:
            self.move_cursor(row=min(max(keep, 0), len(run.results) - 1))

    @staticmethod
    def rated(result: EvalResult, human: Mapping[str, Mapping[str, str]], dims: int) -> str:
        return f"{len(human.get(result.key, {}))}/{dims}" if result.ok else ""

    def show_rated(self, run: EvalRun, human: Mapping[str, Mapping[str, str]], dims: int) -> None:
        """Update the ratings column only (the cursor and the rest stay as they are)."""
        for index, r in enumerate(run.results):
            self.update_cell(str(index), "rated", self.rated(r, human, dims))


def render_detail(
    run: EvalRun,
    result: EvalResult,
    rubric: Rubric | None,
    human: Mapping[str, str],
    dimension: int,
) -> Text:
    """The conversation, the answer, its measurements and metrics, the judge's labels and
    the person's ratings, with the dimension the rating keys act on marked."""
    out = Text()
    out.append(f"{result.test} · {run.labels[result.model]}\n", style="bold")
    for message in result.conversation:
        out.append(f"{message['role']}: ", style="bold cyan")
        out.append(message["content"] + "\n")
    out.append("answer: ", style="bold green")
    if not result.ok:
        out.append(f"ERROR {result.error}\n", style="red")
        return out
    out.append(result.response + "\n\n")
    parts = [f"latency {fmt(result.seconds)} s"]
    if result.first_token_s is not None:
        parts.append(f"first token {fmt(result.first_token_s, 3)} s")
    parts += [f"{fmt(result.tokens_per_s, 1)} tok/s", f"{result.tokens} tokens"]
    parts.append(result.finish_reason + (" · from the cache" if result.cached else ""))
    out.append(" · ".join(parts) + "\n", style="dim")
    metrics = [f"{k} {fmt_metric(v)}" for k, v in result.metrics.items() if v is not None]
    if rubric is not None:
        out.append("\n")
        _ratings(out, result, rubric, human, dimension)
    out.append("\n" + "  ".join(metrics) + "\n", style="dim")
    return out


def _ratings(
    out: Text, result: EvalResult, rubric: Rubric, human: Mapping[str, str], dimension: int
) -> None:
    if result.judge_error:
        out.append(f"judge: {result.judge_error}\n", style="yellow")
    if 0 <= dimension < len(rubric.dimensions):
        d = rubric.dimensions[dimension]
        keys = " · ".join(f"{k} {label}" for k, label in zip("asx", d.labels, strict=False))
        out.append(f"rate {d.name}: {keys} · space skip · backspace undo\n", style="bold")
    out.append("  dimension                judge            you\n", style="bold")
    for index, d in enumerate(rubric.dimensions):
        mark = "▶ " if index == dimension else "  "
        line = f"{mark}{d.name:<24}{result.judge.get(d.name, '–'):<17}{human.get(d.name, '–')}\n"
        out.append(line, style="reverse" if index == dimension else "")

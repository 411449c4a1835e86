"""Eval: put a suite to models, see metrics per model against base, rate the answers."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from textual import on, work
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, ProgressBar, Select, SelectionList, Static, Switch

from engine.eval.judge import Rubric, agreement, load_rubric
from engine.eval.results import EvalRun
from engine.eval.runner import EvalOptions
from engine.inference import GenerationSettings
from quimbot_tui.screens.base import WorkbenchScreen
from quimbot_tui.widgets.eval_view import MetricsTable, ResultsTable, render_detail

RATE_KEYS = "asx"


class EvalProgressed(Message):
    """A run moved on; only the latest one matters, so queued ones are replaced."""

    def __init__(self, stage: str, done: float, total: float, text: str) -> None:
        super().__init__()
        self.stage, self.done, self.total, self.text = stage, done, total, text

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, EvalProgressed)


class EvalScreen(WorkbenchScreen):
    MODE = "eval"
    CSS_PATH = "eval.tcss"
    HELP = (
        "Put a suite (pedagogical, dialogue, baseline, stress, ESL and TOEFL, or your own "
        "file in the workspace's suites/ folder) to several models at once: the base, "
        "adapters from runs, Ollama or OpenAI-compatible endpoints (type a spec and Enter). "
        "F5 runs it in the background with a progress bar; answers already given are served "
        "from the workspace's cache. The table shows measurements, metrics (★ the suite's key "
        "metrics) and judge scores per model, with the difference to base. Pick an answer to "
        "read it in full and rate it on the judge's dimensions with a, s, x (best to worst), "
        "space to skip, backspace to undo; agreement with the judge (Cohen's kappa) is shown."
    )
    BINDINGS = [
        Binding("f5", "run_eval", "Run eval", key_display="F5"),
        Binding("escape", "stop", "Stop"),
        Binding("a", "rate(0)", "Rate best"),
        Binding("s", "rate(1)", "Rate middle"),
        Binding("x", "rate(2)", "Rate worst"),
        Binding("space", "skip_dimension", "Skip"),
        Binding("backspace", "undo_rating", "Undo rating"),
        Binding("e", "focus_endpoint", "Add endpoint"),
        Binding("w", "write_reports", "Write reports"),
        Binding("r", "reload", "Reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.run: EvalRun | None = None
        self.rubric: Rubric | None = None
        self.human: dict[str, dict[str, str]] = {}
        self.running = False
        self.dimension = 0
        self._row = -1
        self.history: list[tuple[str, str]] = []  # (item, dimension) rated, for undo
        self._stop = threading.Event()

    def compose_body(self) -> Iterable:
        with Horizontal(id="eval-body"):
            with Vertical(id="eval-side"):
                yield Label("Suite", classes="panel-title")
                yield Select([], id="suite", prompt="suite")
                yield Label("Base model", classes="panel-title")
                yield Select([], id="base-model", prompt="model")
                yield Label("Models (space toggles)", classes="panel-title")
                yield SelectionList[str](id="models")
                yield Input(placeholder="ollama:NAME or openai:URL#MODEL, Enter", id="endpoint")
                yield Label("Judge", classes="panel-title")
                yield Select([("none", "")], id="judge", value="", allow_blank=False)
                with Horizontal(classes="eval-settings"):
                    yield Label("max tokens", classes="bar-label")
                    yield Input("128", id="max-tokens", type="integer")
                    yield Label("workers", classes="bar-label")
                    yield Input("4", id="workers", type="integer")
                with Horizontal(classes="eval-settings"):
                    yield Label("cache", classes="bar-label")
                    yield Switch(True, id="use-cache")
            with Vertical(id="eval-main"):
                with Horizontal(id="eval-progress-bar"):
                    yield ProgressBar(total=1, id="eval-progress", show_eta=False)
                    yield Label("Choose a suite and models, then F5.", id="eval-status")
                yield MetricsTable(id="eval-metrics", cursor_type="row", zebra_stripes=True)
                yield ResultsTable(id="eval-results", cursor_type="row")
                with VerticalScroll(id="eval-detail"):
                    yield Static("", id="eval-detail-text")

    # -- choices -------------------------------------------------------------------------
    def reload(self) -> None:
        self.load_choices()

    @work(thread=True, exclusive=True, group="eval-load", exit_on_error=False)
    def load_choices(self) -> None:
        from engine.compare import default_base
        from engine.models import list_models
        from engine.runs import adapter_choices
        from engine.suites import suite_choices
        from store import evals as store_evals

        suites = suite_choices(self.workspace.root / "suites")
        models = [(m.name, str(m.path)) for m in list_models(self.workspace.models_dir)]
        try:
            default = default_base(self.workspace)
        except ValueError:
            default = None
        adapters = adapter_choices(self.workspace)
        endpoints = [str(e) for e in self.workspace.settings().get("eval_endpoints", [])]
        rubric = load_rubric()
        with self.workspace.db.connect() as con:
            latest = store_evals.get_run(con)
        run = EvalRun.from_dict(latest) if latest else None
        human = self._ratings_of(run)
        self.app.call_from_thread(
            self._show_choices, suites, models, default, adapters, endpoints, rubric
        )
        if run is not None and self.run is None:
            self.app.call_from_thread(self._show_stored, run, human)

    def _ratings_of(self, run: EvalRun | None) -> dict[str, dict[str, str]]:
        from engine.eval.ratings import ratings

        return ratings(self.workspace, [r.key for r in run.results]) if run else {}

    def _show_choices(
        self,
        suites: list[tuple[str, str]],
        models: list[tuple[str, str]],
        default: str | None,
        adapters: list[tuple[str, str]],
        endpoints: list[str],
        rubric: Rubric,
    ) -> None:
        self.rubric = rubric
        suite = self.query_one("#suite", Select)
        keep = suite.value
        suite.set_options(suites)
        if keep in {v for _, v in suites}:
            suite.value = keep
        elif suites:
            names = [v for _, v in suites]
            suite.value = "esl_grammar" if "esl_grammar" in names else names[0]
        base = self.query_one("#base-model", Select)
        keep = base.value
        base.set_options(models)
        if keep in {v for _, v in models}:
            base.value = keep
        elif default is not None:
            base.value = default
        picker = self.query_one("#models", SelectionList)
        chosen = set(picker.selected) or {"base", *(spec for _, spec in adapters[:1])}
        options = [("base (adapter disabled)", "base"), *adapters, *((e, e) for e in endpoints)]
        picker.clear_options()
        picker.add_options([(label, spec, spec in chosen) for label, spec in options])
        judge = self.query_one("#judge", Select)
        keep = judge.value
        judge.set_options([("none", ""), *options])
        judge.value = keep if keep in {v for _, v in options} else ""

    def action_focus_endpoint(self) -> None:
        self.query_one("#endpoint", Input).focus()

    @on(Input.Submitted, "#endpoint")
    def _add_endpoint(self, event: Input.Submitted) -> None:
        spec = event.value.strip()
        if not spec.startswith(("ollama:", "openai:")):
            self.notify("An endpoint is ollama:NAME[@URL] or openai:URL#MODEL.", severity="error")
            return
        event.input.value = ""
        picker = self.query_one("#models", SelectionList)
        if spec in picker.selected or any(
            picker.get_option_at_index(i).value == spec for i in range(picker.option_count)
        ):
            picker.select(spec)
        else:
            picker.add_option((spec, spec, True))
        self._save_endpoint(spec)
        picker.focus()

    @work(thread=True, group="eval-settings", exit_on_error=False)
    def _save_endpoint(self, spec: str) -> None:
        known = [str(e) for e in self.workspace.settings().get("eval_endpoints", [])]
        if spec not in known:
            self.workspace.update_settings(eval_endpoints=[*known, spec])

    # -- running -------------------------------------------------------------------------
    def _options(self) -> EvalOptions:
        def integer(widget_id: str, low: int) -> int:
            text = self.query_one(widget_id, Input).value.strip()
            if not text.isdigit() or int(text) < low:
                raise ValueError(f"{widget_id.lstrip('#')}: {text!r} is not a number ≥ {low}")
            return int(text)

        base = self.query_one("#base-model", Select).value
        judge = self.query_one("#judge", Select).value
        return EvalOptions(
            settings=GenerationSettings(max_new_tokens=integer("#max-tokens", 1)),
            workers=integer("#workers", 1),
            use_cache=self.query_one("#use-cache", Switch).value,
            judge=str(judge) if judge not in ("", Select.BLANK) else None,
            model=None if base is Select.BLANK else str(base),
        )

    def action_run_eval(self) -> None:
        if self.running:
            self.notify("An eval is running: wait, or press Esc to stop it.", severity="warning")
            return
        specs = list(self.query_one("#models", SelectionList).selected)
        suite = self.query_one("#suite", Select).value
        if not specs or suite is Select.BLANK:
            self.notify("Choose a suite and at least one model.", severity="warning")
            return
        try:
            options = self._options()
        except ValueError as exc:
            self.notify(str(exc), title="Settings", severity="error")
            return
        self.running = True
        self.refresh_bindings()
        self._stop.clear()
        self._status(f"starting {suite} on {len(specs)} models…")
        self.query_one("#eval-progress", ProgressBar).update(total=None, progress=0)
        self._run(specs, str(suite), options)

    @work(thread=True, exclusive=True, group="eval-run", exit_on_error=False)
    def _run(self, specs: list[str], suite: str, options: EvalOptions) -> None:
        from engine.eval.runner import run_eval

        def progress(stage: str, done: float, total: float, text: str) -> None:
            self.post_message(EvalProgressed(stage, done, total, text))

        try:
            run = run_eval(
                self.workspace,
                specs,
                suite,
                options,
                on_progress=progress,
                should_stop=self._stop.is_set,
            )
            human = self._ratings_of(run)
        except Exception:
            self.app.call_from_thread(self._failed)
            raise
        self.app.call_from_thread(self._finished, run, human)

    def on_eval_progressed(self, message: EvalProgressed) -> None:
        bar = self.query_one("#eval-progress", ProgressBar)
        bar.update(total=max(message.total, 1), progress=message.done)
        self._status(f"{message.stage} {message.done:.0f}/{message.total:.0f} · {message.text}")

    def _finished(self, run: EvalRun, human: dict[str, dict[str, str]]) -> None:
        self.running = False
        self.refresh_bindings()
        self._show_run(run, human)
        cached = sum(r.cached for r in run.results)
        text = (
            f"{run.suite}: {len(run.results)} answers, {len(run.failed)} failed, "
            f"{cached} from the cache (run {run.id})"
        )
        self._status(text)
        self.notify(text, title="Eval finished")
        self.query_one("#eval-results", ResultsTable).focus()

    def _failed(self) -> None:
        self.running = False
        self.refresh_bindings()
        self._status("The eval failed; see the error notice.")

    def action_stop(self) -> None:
        if self.running:
            self._stop.set()
            self._status("stopping after the answers in progress…")

    # -- showing a run -------------------------------------------------------------------
    def _show_stored(self, run: EvalRun, human: dict[str, dict[str, str]]) -> None:
        """The latest stored run, shown when the screen opens."""
        self._show_run(run, human)
        suite = self.query_one("#suite", Select)
        if any(value == run.suite for _, value in suite._options):
            suite.value = run.suite
        self._status(f"Run {run.id} of {run.suite}, {run.created_at}: F5 runs again.")

    def _show_run(self, run: EvalRun, human: dict[str, dict[str, str]]) -> None:
        self.run, self.human = run, human
        self.dimension, self.history = 0, []
        self._refresh_tables()
        self._show_detail()

    def _refresh_tables(self, ratings_only: bool = False) -> None:
        if self.run is None:
            return
        agree = agreement(self.run.results, self.human, self.rubric) if self.rubric else {}
        self.query_one("#eval-metrics", MetricsTable).show(self.run, self.rubric, agree)
        dims = len(self.rubric.dimensions) if self.rubric else 0
        results = self.query_one("#eval-results", ResultsTable)
        if ratings_only:
            results.show_rated(self.run, self.human, dims)
        else:
            self._row = -1
            results.show(self.run, self.human, dims)

    def _current(self) -> Any:
        table = self.query_one("#eval-results", ResultsTable)
        if self.run is None or not self.run.results or table.row_count == 0:
            return None
        return self.run.results[min(table.cursor_row, len(self.run.results) - 1)]

    @on(ResultsTable.RowHighlighted, "#eval-results")
    def _highlighted(self, event: ResultsTable.RowHighlighted) -> None:
        if event.cursor_row != self._row:  # not a redraw of the same row
            self._row, self.dimension = event.cursor_row, 0
        self._show_detail()

    def _show_detail(self) -> None:
        result = self._current()
        text = self.query_one("#eval-detail-text", Static)
        if result is None or self.run is None:
            text.update("No eval yet: choose a suite and models on the left and press F5.")
            return
        human = self.human.get(result.key, {})
        text.update(render_detail(self.run, result, self.rubric, human, self.dimension))

    # -- rating --------------------------------------------------------------------------
    def _rating_target(self) -> tuple[Any, Any] | None:
        result = self._current()
        if result is None or not result.ok or self.rubric is None:
            return None
        if not isinstance(self.focused, ResultsTable | VerticalScroll):
            return None
        return result, self.rubric.dimensions[self.dimension]

    def action_rate(self, choice: int) -> None:
        target = self._rating_target()
        if target is None:
            return
        result, dimension = target
        if choice >= len(dimension.labels):
            return
        label = dimension.labels[choice]
        self.human.setdefault(result.key, {})[dimension.name] = label
        self.history.append((result.key, dimension.name))
        self._save_rating(result.key, dimension.name, label)
        self._advance()

    def action_skip_dimension(self) -> None:
        if self._rating_target() is not None:
            self._advance()

    def _advance(self) -> None:
        assert self.rubric is not None
        self.dimension += 1
        if self.dimension >= len(self.rubric.dimensions):
            self.dimension = 0
            table = self.query_one("#eval-results", ResultsTable)
            if table.cursor_row < table.row_count - 1:
                table.move_cursor(row=table.cursor_row + 1)
        self._refresh_tables(ratings_only=True)
        self._show_detail()
        self.refresh_bindings()

    def action_undo_rating(self) -> None:
        if not self.history or self.run is None or self.rubric is None:
            return
        item, dimension = self.history.pop()
        self.human.get(item, {}).pop(dimension, None)
        self._save_rating(item, dimension, None)
        for index, r in enumerate(self.run.results):
            if r.key == item:
                self._row = index  # moving back here keeps the dimension being undone
                self.query_one("#eval-results", ResultsTable).move_cursor(row=index)
                break
        names = [d.name for d in self.rubric.dimensions]
        self._refresh_tables(ratings_only=True)
        self.dimension = names.index(dimension)
        self._show_detail()

    @work(thread=True, group="eval-rate", exit_on_error=False)
    def _save_rating(self, item: str, dimension: str, label: str | None) -> None:
        from engine.eval.ratings import rate, unrate

        if label is None:
            unrate(self.workspace, item, dimension)
        else:
            rate(self.workspace, item, dimension, label)

    # -- reports -------------------------------------------------------------------------
    def action_write_reports(self) -> None:
        if self.run is None:
            self.notify("No eval to write yet.", severity="warning")
            return
        self._write(self.run, dict(self.human))

    @work(thread=True, group="eval-write", exit_on_error=False)
    def _write(self, run: EvalRun, human: dict[str, dict[str, str]]) -> None:
        from engine.eval import reports

        folder = self.workspace.root / "evals"
        folder.mkdir(parents=True, exist_ok=True)
        stem = folder / f"{run.suite}-{run.id or 0:04d}"
        rubric = self.rubric if run.judge else None
        stem.with_suffix(".json").write_text(reports.to_json(run, rubric), encoding="utf-8")
        md = reports.to_markdown(run, rubric, human)
        stem.with_suffix(".md").write_text(md, encoding="utf-8")
        stem.with_suffix(".txt").write_text(reports.to_comparison(run), encoding="utf-8")
        self.app.call_from_thread(
            self.notify, f"{stem}.json, .md and .txt", title="Reports written"
        )

    def _status(self, text: str) -> None:
        self.query_one("#eval-status", Label).update(text)

    def action_reload(self) -> None:
        self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Rating keys only while an answer can be rated; Stop only while running."""
        if action in ("rate", "skip_dimension"):
            return self._rating_target() is not None
        if action == "undo_rating":
            return bool(self.history) and self._rating_target() is not None
        if action == "stop":
            return self.running
        return True

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def action_clear_cache(self) -> None:
        self._clear_cache()

    @work(thread=True, group="eval-cache", exit_on_error=False)
    def _clear_cache(self) -> None:
        from engine.eval.cache import ReplyCache

        count = ReplyCache(self.workspace).clear()
        self.app.call_from_thread(self.notify, f"Cleared {count} cached answers.")

    @classmethod
    def palette_commands(cls) -> Iterable[tuple[str, str, str]]:
        yield ("Clear the eval cache", "every model answers again on the next run", "clear_cache")

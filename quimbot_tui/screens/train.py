"""Train: LoRA runs with their live loss, learning rate, log and hardware; the models.

Runs are detached processes (``engine.training.launch``): this screen starts, stops, kills,
resumes and exports them, and follows the highlighted one by tailing its ``events.jsonl`` and
``train.log`` in a worker. The worker hands new events over in a buffer and posts one
``RunEventsArrived`` message, which replaces any still queued, so a fast run never piles up
redraws: each redraw takes everything that arrived since the last.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Label, RichLog
from textual.worker import get_current_worker

from engine.models import ModelInfo, list_models
from engine.runs import RunSummary
from engine.training.history import RunHistory
from quimbot_tui.screens.base import WorkbenchScreen
from quimbot_tui.widgets.hardware_pane import HardwarePane
from quimbot_tui.widgets.loss_chart import LossChart, LrChart
from quimbot_tui.widgets.model_list import ModelTable
from quimbot_tui.widgets.run_table import RunTable, clock

if TYPE_CHECKING:
    from engine.training.launch import Launched

LOG_LINES = 400


class RunEventsArrived(Message):
    """New events (and log lines) of a followed run are waiting in the screen's buffer."""

    def __init__(self, run_id: str) -> None:
        super().__init__()
        self.run_id = run_id

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RunEventsArrived) and message.run_id == self.run_id


class TrainScreen(WorkbenchScreen):
    MODE = "train"
    CSS_PATH = "train.tcss"
    HELP = (
        "LoRA training runs as detached processes that survive the app and the SSH session: "
        "the run list (status, step, ETA, best eval loss), a launch form with the exact "
        "command, the highlighted run's live loss (raw, smoothed, eval, and a second run "
        "overlaid with o), learning rate and log, and the hardware (every GPU through NVML, "
        "CPU and RAM). s stops a run after saving a checkpoint, k kills it, u resumes it from "
        "its latest checkpoint, e exports its adapter. The models table shows each model's "
        "pretraining loss."
    )
    BINDINGS = [
        Binding("n", "new_run", "New run"),
        Binding("s", "stop_run", "Stop"),
        Binding("k", "kill_run", "Kill"),
        Binding("u", "resume_run", "Resume"),
        Binding("a", "attach", "Attach"),
        Binding("o", "overlay", "Overlay"),
        Binding("e", "export", "Export"),
        Binding("r", "reload", "Reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.models: list[ModelInfo] = []
        self.runs: dict[str, RunSummary] = {}
        self.followed: str | None = None
        self.history = RunHistory()
        self.overlay_id: str | None = None
        self.overlay: RunHistory | None = None
        self.redraws: list[tuple[int, float]] = []
        """(last seq drawn, wall time painted) of recent redraws, for ``bench train``."""
        self._buffer: list[dict[str, Any]] = []
        self._log_buffer: list[str] = []
        self._lock = threading.Lock()
        self._offsets: dict[str, tuple[int, int]] = {}
        """How far the events and log of each run have been read."""
        self._tailing: str | None = None
        self._want: str | None = None
        self._shown_runs = False
        """A run to highlight and follow once the run list has it (one just started)."""

    def compose_body(self) -> Iterable:
        with Horizontal(id="train-body"):
            with Vertical(id="train-left"):
                yield Label("Runs", classes="panel-title")
                yield RunTable(id="runs")
                yield Label(
                    "No training runs yet: n starts one (try the demo config).",
                    id="runs-empty",
                    classes="empty-state",
                )
                yield Label("Models", classes="panel-title")
                yield ModelTable(id="models")
                yield Label("Hardware", classes="panel-title")
                yield HardwarePane(id="hardware")
                yield Label("Log", classes="panel-title")
                yield RichLog(id="log", max_lines=LOG_LINES, wrap=False, markup=False)
            with Vertical(id="train-right"):
                yield Label("Loss", id="loss-title", classes="panel-title")
                yield LossChart(id="loss")
                yield LrChart(id="lr")

    def on_mount(self) -> None:
        super().on_mount()
        self.set_interval(1.0, self.load_runs)
        self.set_interval(2.0, self.poll_hardware)
        self.poll_hardware()

    def reload(self) -> None:
        self.load_models()
        self.load_runs()

    # -- models --------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="train-models", exit_on_error=False)
    def load_models(self) -> None:
        models = list_models(self.workspace.models_dir)
        self.app.call_from_thread(self._show_models, models)

    def _show_models(self, models: list[ModelInfo]) -> None:
        self.models = models
        self.query_one("#models", ModelTable).show(models)
        if models and self.followed is None and not self.runs:
            self._plot_model(models[0])

    @on(DataTable.RowHighlighted, "#models")
    def _model_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.query_one("#models", ModelTable).has_focus:
            for m in self.models:
                if m.name == event.row_key.value:
                    self._plot_model(m)

    def _plot_model(self, model: ModelInfo) -> None:
        self.query_one("#loss", LossChart).draw_losses(model.losses, f"{model.name}: pretraining")
        self.query_one("#loss-title", Label).update(f"Loss · {model.name} (pretraining)")

    # -- runs ----------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="train-runs", exit_on_error=False)
    def load_runs(self) -> None:
        from engine.runs import list_runs

        runs = list_runs(self.workspace)
        self.app.call_from_thread(self._show_runs, runs)

    def _show_runs(self, runs: list[RunSummary]) -> None:
        previous = self.runs
        self.runs = {r.id: r for r in runs}
        table = self.query_one("#runs", RunTable)
        table.show(runs)
        if runs and not self._shown_runs:
            self._shown_runs = True
            table.focus()  # arrows move through the runs from the start
        table.display = bool(runs)
        if self._want in self.runs:
            table.move_cursor(row=list(self.runs).index(self._want), animate=False)
            self.follow(self._want)
            self._want = None
        self.query_one("#runs-empty").display = not runs
        for r in runs:
            old = previous.get(r.id)
            if old is not None and old.status != r.status and r.ended:
                self.notify(f"Run {r.id} {r.status}. {r.reason}"[:200], title="Training")
        if runs and self.followed is None:
            self.follow(table.selected_id or runs[0].id)
        run = self.runs.get(self.followed or "")
        if run is not None and not run.ended and self._tailing != run.id:
            self.tail(run.id)  # a resumed run: go on from where the last tail stopped
        self._update_title()
        if self.overlay_id and (r := self.runs.get(self.overlay_id)) and not r.ended:
            self.load_overlay(self.overlay_id)

    def selected(self) -> RunSummary | None:
        run_id = self.query_one("#runs", RunTable).selected_id
        return self.runs.get(run_id) if run_id else None

    @on(DataTable.RowHighlighted, "#runs")
    def _run_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        # Where the cursor is now, not where this (possibly stale) message says it was.
        run_id = self.query_one("#runs", RunTable).selected_id
        if run_id is not None and run_id != self.followed:
            self.follow(run_id)

    # -- following a run -----------------------------------------------------------------
    def follow(self, run_id: str) -> None:
        """Replay the run's whole history, then follow it live."""
        self.followed = run_id
        self.history = RunHistory()
        with self._lock:
            self._buffer.clear()
            self._log_buffer.clear()
        self._offsets.pop(run_id, None)
        self.query_one("#log", RichLog).clear()
        self._redraw()
        self.tail(run_id)

    @work(thread=True, exclusive=True, group="train-tail", exit_on_error=False)
    def tail(self, run_id: str) -> None:
        """Read the run's new events and log lines as they are written; ends once the run
        has ended and gone quiet (``_show_runs`` starts it again if the run resumes)."""
        from engine.runs import RunLayout, summarize
        from engine.training.events import FolderWaker, read_events

        worker = get_current_worker()
        layout = RunLayout(self.workspace.runs_dir / run_id)
        offset, log_offset = self._offsets.get(run_id, (0, 0))
        waker = FolderWaker(layout.root, 0.1)
        self._tailing = run_id
        quiet = 0
        try:
            while not worker.is_cancelled and self.followed == run_id:
                events, offset = read_events(layout.events, offset)
                lines, log_offset = _read_log(layout.log, log_offset)
                self._offsets[run_id] = (offset, log_offset)
                if events or lines:
                    quiet = 0
                    with self._lock:
                        self._buffer.extend(events)
                        self._log_buffer.extend(lines)
                        del self._log_buffer[:-LOG_LINES]
                    self.post_message(RunEventsArrived(run_id))
                else:
                    quiet += 1
                    if quiet >= 3 and summarize(layout).ended:
                        return
                waker.wait()
        finally:
            waker.close()
            if self._tailing == run_id:
                self._tailing = None

    def on_run_events_arrived(self, message: RunEventsArrived) -> None:
        if message.run_id != self.followed:
            return
        with self._lock:
            events, self._buffer = self._buffer, []
            lines, self._log_buffer = self._log_buffer, []
        if lines:
            self.query_one("#log", RichLog).write("\n".join(lines))
        if events:
            self.history.add(events)
            self._redraw()

    def _redraw(self) -> None:
        label = self.followed or ""
        other = self.overlay if self.overlay_id != self.followed else None
        self.query_one("#loss", LossChart).draw(
            self.history, label=label, overlay=other, overlay_label=self.overlay_id or ""
        )
        self.query_one("#lr", LrChart).draw(self.history)
        self._update_title()
        seq = self.history.last_seq
        self.call_after_refresh(self._painted, seq)

    def _painted(self, seq: int) -> None:
        self.redraws.append((seq, time.time()))
        del self.redraws[:-1000]

    def _update_title(self) -> None:
        run = self.runs.get(self.followed or "")
        if run is None:
            return
        parts = [f"Loss · {run.id}", run.status, f"step {run.step}/{run.total}"]
        if run.eta_s is not None and not run.ended:
            parts.append(f"ETA {clock(run.eta_s)}")
        if run.best_eval_loss is not None:
            parts.append(f"best eval {run.best_eval_loss:.4f}")
        if self.overlay_id and self.overlay_id != run.id:
            parts.append(f"overlay {self.overlay_id}")
        self.query_one("#loss-title", Label).update(" · ".join(parts))

    # -- overlay -------------------------------------------------------------------------
    def action_overlay(self) -> None:
        run = self.selected()
        if run is None:
            return
        if self.overlay_id == run.id:
            self.overlay_id, self.overlay = None, None
            self.notify("Overlay cleared.", timeout=3)
            self._redraw()
            return
        self.overlay_id = run.id
        self.notify(f"Overlaying {run.id}: highlight another run to compare.", timeout=4)
        self.load_overlay(run.id)

    @work(thread=True, exclusive=True, group="train-overlay", exit_on_error=False)
    def load_overlay(self, run_id: str) -> None:
        from engine.runs import RunLayout
        from engine.training.events import read_events

        history = RunHistory()
        history.add(read_events(RunLayout(self.workspace.runs_dir / run_id).events)[0])
        self.app.call_from_thread(self._set_overlay, run_id, history)

    def _set_overlay(self, run_id: str, history: RunHistory) -> None:
        if self.overlay_id == run_id:
            self.overlay = history
            self._redraw()

    # -- actions -------------------------------------------------------------------------
    def action_reload(self) -> None:
        self.reload()

    def action_attach(self) -> None:
        run = self.selected()
        if run is not None:
            self.follow(run.id)
            self.query_one("#log", RichLog).focus()

    def action_new_run(self) -> None:
        from quimbot_tui.screens.train_launch import LaunchScreen

        self.app.push_screen(LaunchScreen(self.workspace), self._launched)

    def _launched(self, launched: Launched | None) -> None:
        if launched is None:
            return
        self.notify(f"Started {launched.run_id} (pid {launched.pid}).", title="Training")
        self._want = launched.run_id
        self.load_runs()

    def action_stop_run(self) -> None:
        run = self.selected()
        if run is not None:
            self._run_action("stop", run.id)

    def action_kill_run(self) -> None:
        from quimbot_tui.screens.confirm import ConfirmScreen

        run = self.selected()
        if run is None:
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self._run_action("kill", run.id)

        self.app.push_screen(
            ConfirmScreen(
                f"Kill {run.id}?",
                "Its processes are killed at once, without saving a checkpoint; it can "
                "resume from its last saved checkpoint.",
            ),
            answer,
        )

    def action_resume_run(self) -> None:
        run = self.selected()
        if run is not None:
            self._run_action("resume", run.id)

    @work(thread=True, group="train-control", exit_on_error=False)
    def _run_action(self, action: str, run_id: str) -> None:
        from engine.training import launch

        if action == "stop":
            launch.stop_run(self.workspace, run_id)
            message = f"Stopping {run_id}: it saves a checkpoint after the current step."
        elif action == "kill":
            launch.kill_run(self.workspace, run_id)
            message = f"Killed {run_id}."
        else:
            launched = launch.resume_run(self.workspace, run_id)
            message = f"Resumed {run_id} (pid {launched.pid})."
        self.app.call_from_thread(self.notify, message, title="Training")
        self.app.call_from_thread(self.load_runs)

    def action_export(self) -> None:
        from quimbot_tui.screens.train_export import ExportScreen, run_export

        run = self.selected()
        if run is None:
            self.notify("Highlight a run to export its adapter.", severity="warning")
            return

        def chosen(request: Any) -> None:
            if request is not None:
                run_export(self, request)

        self.app.push_screen(ExportScreen(self.workspace, run.id), chosen)

    @work(thread=True, exclusive=True, group="train-hardware", exit_on_error=False)
    def poll_hardware(self) -> None:
        from engine.telemetry import default_provider, read_all

        provider = getattr(self.app, "gpu_provider", None) or default_provider()
        reading = read_all(provider)
        self.app.call_from_thread(self.query_one("#hardware", HardwarePane).show, reading)


def _read_log(path: Any, offset: int) -> tuple[list[str], int]:
    """Complete new lines of the run's log from ``offset`` (the first read: the last 64 KiB)."""
    from engine.training.events import read_complete_lines

    try:
        size = os.path.getsize(path)
    except FileNotFoundError:
        return [], offset
    if size < offset:
        offset = 0
    if offset == 0 and size > 65536:
        offset = size - 65536
    raw, offset = read_complete_lines(path, offset)
    text = b"\n".join(raw).decode("utf-8", errors="replace").replace("\r", "\n")
    return [line for line in text.splitlines() if line.strip()], offset

"""Export a run's adapter from the Train screen: merged safetensors, GGUF, an Ollama Modelfile.

The form asks for the checkpoint, the output folder, the GGUF type and an optional Ollama
name; the export (``engine.export.export_adapter``, as ``quimbot-tui export``) runs in a
worker with its progress in the jobs bar, and is recorded in the activity log.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

if TYPE_CHECKING:
    from engine.runs import Checkpoint
    from engine.workspace import Workspace
    from quimbot_tui.screens.train import TrainScreen

STAGES = ("merge", "verify", "gguf", "ollama")


@dataclass(frozen=True)
class ExportRequest:
    run_id: str
    step: int | None
    out: Path
    gguf: str | None
    ollama: str | None


class ExportScreen(ModalScreen["ExportRequest | None"]):
    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    #export { width: 90; height: auto; border: thick $primary; background: $surface;
              padding: 1 2; }
    #export Label.field { margin-top: 1; }
    #export-error { color: $error; height: auto; }
    #export-buttons { height: auto; margin-top: 1; align-horizontal: right; }
    #export-buttons Button { margin-left: 2; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "export", "Export")]

    def __init__(self, workspace: Workspace, run_id: str) -> None:
        super().__init__()
        self.workspace = workspace
        self.run_id = run_id

    def compose(self) -> ComposeResult:
        with Vertical(id="export"):
            yield Label(f"[b]Export {self.run_id}[/b]: merge the adapter into its base")
            yield Label("Checkpoint", classes="field")
            yield Select([], id="export-step", prompt="loading…", allow_blank=True)
            yield Label("Output folder (relative paths are in the workspace)", classes="field")
            yield Input(str(self.workspace.exports_dir / self.run_id), id="export-out")
            yield Label("GGUF", classes="field")
            yield Select(
                [("no GGUF", "none"), ("f16", "f16"), ("q8_0", "q8_0")],
                value="f16",
                id="export-gguf",
                allow_blank=False,
            )
            yield Label("Ollama model name (optional: writes a Modelfile)", classes="field")
            yield Input(placeholder="quimbot-stage1", id="export-ollama")
            yield Label("", id="export-error")
            with Horizontal(id="export-buttons"):
                yield Button("Cancel", id="export-cancel")
                yield Button("Export (ctrl+s)", id="export-go", variant="primary")

    def on_mount(self) -> None:
        self.load_checkpoints()

    @work(thread=True, exclusive=True, group="export-checkpoints", exit_on_error=False)
    def load_checkpoints(self) -> None:
        from engine.runs import list_checkpoints

        try:
            found = list_checkpoints(self.workspace, self.run_id)
        except ValueError as exc:
            self.app.call_from_thread(self._error, str(exc))
            return
        self.app.call_from_thread(self._show_checkpoints, found)

    def _show_checkpoints(self, found: list[Checkpoint]) -> None:
        select = self.query_one("#export-step", Select)
        if not found:
            self._error("This run has no checkpoint yet.")
            return
        options = [
            (f"{'final adapter' if c.final else c.label} (step {c.step})", str(c.step))
            for c in reversed(found)
        ]
        select.set_options(options)
        select.value = options[0][1]
        select.focus()

    def _error(self, text: str) -> None:
        self.query_one("#export-error", Label).update(text)

    @on(Button.Pressed, "#export-go")
    def action_export(self) -> None:
        step = self.query_one("#export-step", Select).value
        out = self.query_one("#export-out", Input).value.strip()
        if step is Select.BLANK or not out:
            self._error("Choose a checkpoint and an output folder.")
            return
        gguf = str(self.query_one("#export-gguf", Select).value)
        ollama = self.query_one("#export-ollama", Input).value.strip() or None
        if ollama and gguf == "none":
            self._error("An Ollama Modelfile needs a GGUF file: choose f16 or q8_0.")
            return
        folder = Path(out).expanduser()
        if not folder.is_absolute():  # relative to the workspace, not to where the app started
            folder = self.workspace.root / folder
        self.dismiss(
            ExportRequest(
                self.run_id,
                int(str(step)),
                folder,
                None if gguf == "none" else gguf,
                ollama,
            )
        )

    @on(Button.Pressed, "#export-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def run_export(screen: TrainScreen, request: ExportRequest) -> None:
    """Export in a worker of ``screen``, with progress in the jobs bar."""
    app = screen.quimbot
    key = f"export-{request.run_id}"
    title = f"Exporting {request.run_id}"
    app.jobs.update(key, title=title, done=0, total=len(STAGES), message="starting")

    def progress(stage: str, done: float, total: float, message: str) -> None:
        index = STAGES.index(stage) if stage in STAGES else 0
        fraction = done / total if total else 0.0
        app.call_from_thread(
            app.jobs.update, key, done=index + fraction, total=len(STAGES), message=message
        )

    def work_() -> Any:
        from engine import activity
        from engine.export import export_adapter
        from engine.runs import resolve_checkpoint

        ws = screen.workspace
        try:
            checkpoint = resolve_checkpoint(ws, request.run_id, request.step)
            report = export_adapter(
                checkpoint.base_model,
                checkpoint.adapter,
                request.out,
                gguf=request.gguf,
                ollama=request.ollama,
                on_progress=progress,
            )
        except Exception as exc:
            app.call_from_thread(app.jobs.finish, key, str(exc))
            raise
        activity.log(
            ws.db,
            "export",
            f"{request.run_id}:{checkpoint.step}",
            out=str(report.out),
            gguf=report.gguf_type,
            ollama=report.ollama_name,
        )
        app.call_from_thread(app.jobs.finish, key)
        done = f"Exported to {report.out} (max |Δlogit| {report.max_abs_diff:.1e})."
        if report.modelfile is not None:
            done += f" ollama create {report.ollama_name} -f {report.modelfile}"
        app.call_from_thread(app.notify, done, title="Export", timeout=15)
        return report

    screen.run_worker(work_, thread=True, group="train-export", exit_on_error=False)

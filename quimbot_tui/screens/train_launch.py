"""The launch form: a config, overrides and a launcher, with the exact command previewed."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from engine.workspace import configs_dir

if TYPE_CHECKING:
    from engine.workspace import Workspace


def train_configs() -> list[tuple[str, str]]:
    """(name, path) of every config in configs/train/, the demo first."""
    found = sorted((configs_dir() / "train").glob("*.toml"))
    found.sort(key=lambda p: (p.stem != "demo", p.stem))
    return [(p.stem, str(p)) for p in found]


def cli_command(ws_root: str, config: str, overrides: list[str], launcher: str) -> str:
    args = ["quimbot-tui", "--workspace", ws_root, "train", "start", config]
    for item in overrides:
        args += ["--set", item]
    if launcher != "accelerate":
        args += ["--launcher", launcher]
    return shlex.join(args)


class LaunchScreen(ModalScreen["Launched | None"]):
    """Returns the launched run, or None when cancelled."""

    DEFAULT_CSS = """
    LaunchScreen { align: center middle; }
    #launch { width: 110; height: auto; max-height: 90%; border: thick $primary;
              background: $surface; padding: 1 2; }
    #launch Label.field { margin-top: 1; }
    #launch-preview { margin-top: 1; padding: 0 1; background: $boost; height: auto; }
    #launch-error { color: $error; height: auto; }
    #launch-check { color: $success; height: auto; }
    #launch-buttons { height: auto; margin-top: 1; align-horizontal: right; }
    #launch-buttons Button { margin-left: 2; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "start", "Start"),
    ]

    def __init__(self, workspace: Workspace, config: str | None = None) -> None:
        super().__init__()
        self.workspace = workspace
        self.configs = train_configs()
        self.initial = config or (self.configs[0][0] if self.configs else None)

    def compose(self) -> ComposeResult:
        with Vertical(id="launch"):
            yield Label("[b]Start a training run[/b]")
            yield Label("Config (configs/train/)", classes="field")
            yield Select(
                [(name, name) for name, _path in self.configs],
                value=self.initial if self.initial else Select.BLANK,
                id="launch-config",
                allow_blank=not self.configs,
            )
            yield Label("…or a config file path", classes="field")
            yield Input(placeholder="path/to/config.toml", id="launch-path")
            yield Label("Overrides (key=value, space-separated; values are TOML)", classes="field")
            yield Input(placeholder="max_steps=100 learning_rate=2e-4", id="launch-overrides")
            yield Label("Launcher", classes="field")
            yield Select(
                [("accelerate launch", "accelerate"), ("python -m (one process)", "python")],
                value="accelerate",
                id="launch-launcher",
                allow_blank=False,
            )
            yield Static("", id="launch-preview")
            yield Label("", id="launch-check")
            yield Label("", id="launch-error")
            with Horizontal(id="launch-buttons"):
                yield Button("Cancel", id="launch-cancel")
                yield Button("Start (ctrl+s)", id="launch-start", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#launch-config", Select).focus()
        self._changed()

    # -- the form ------------------------------------------------------------------------
    def choice(self) -> tuple[str, list[str], str]:
        path = self.query_one("#launch-path", Input).value.strip()
        selected = self.query_one("#launch-config", Select).value
        config = path or (str(selected) if selected is not Select.BLANK else "")
        try:
            overrides = shlex.split(self.query_one("#launch-overrides", Input).value)
        except ValueError:
            overrides = []
        launcher = str(self.query_one("#launch-launcher", Select).value)
        return config, overrides, launcher

    @on(Select.Changed)
    @on(Input.Changed)
    def _changed(self) -> None:
        config, overrides, launcher = self.choice()
        self.check(config, overrides, launcher)

    @work(thread=True, exclusive=True, group="launch-check", exit_on_error=False)
    def check(self, config: str, overrides: list[str], launcher: str) -> None:
        from engine.training.launch import prepare_run, trainer_command

        ws = self.workspace
        command = cli_command(str(ws.root), config or "CONFIG", overrides, launcher)
        try:
            resolved, _path = prepare_run(ws, config, overrides)
        except Exception as exc:
            self.app.call_from_thread(self._show_check, command, "", "", str(exc))
            return
        run_dir = ws.runs_dir / f"{resolved.name}-<time>"
        trainer = shlex.join(trainer_command(run_dir, resolved, launcher))
        steps = (
            f"max_steps {resolved.max_steps}"
            if resolved.max_steps
            else f"{resolved.epochs} epoch(s)"
        )
        summary = (
            f"ok: {resolved.base_model} on {resolved.data}; {steps}, batch "
            f"{resolved.batch_size}x{resolved.grad_accum}, lr {resolved.learning_rate:g}, "
            f"LoRA r{resolved.lora_rank}, packing {'on' if resolved.packing else 'off'}"
        )
        self.app.call_from_thread(self._show_check, command, trainer, summary, "")

    def _show_check(self, command: str, trainer: str, summary: str, error: str) -> None:
        text = f"$ {command}"
        if trainer:
            text += f"\n\nwhich runs, detached, in the run folder:\n$ {trainer}"
        self.query_one("#launch-preview", Static).update(text)
        self.query_one("#launch-check", Label).update(summary)
        self.query_one("#launch-error", Label).update(error)

    # -- starting ------------------------------------------------------------------------
    @on(Button.Pressed, "#launch-start")
    def action_start(self) -> None:
        config, overrides, launcher = self.choice()
        if not config:
            self.query_one("#launch-error", Label).update("Choose a config first.")
            return
        self.query_one("#launch-start", Button).disabled = True
        self.start(config, overrides, launcher)

    @work(thread=True, exclusive=True, group="launch-start", exit_on_error=False)
    def start(self, config: str, overrides: list[str], launcher: str) -> None:
        from engine.training.launch import start_run

        try:
            launched = start_run(self.workspace, config, overrides, launcher=launcher)
        except Exception as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self.dismiss, launched)

    def _failed(self, error: str) -> None:
        self.query_one("#launch-error", Label).update(error)
        self.query_one("#launch-start", Button).disabled = False

    @on(Button.Pressed, "#launch-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

"""The Train screen driven by Pilot: the chart follows a run's events as they are written,
the hardware pane, and the launch form, stop, resume, kill and export on a real run."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable

import psutil
from rich.console import Console

from engine.runs import RunLayout, list_checkpoints, run_summary
from engine.telemetry import FakeGpuProvider, GpuReading
from engine.training.events import EventWriter
from engine.workspace import Workspace
from quimbot_tui.app import QuimbotApp
from quimbot_tui.screens.train import RunEventsArrived, TrainScreen
from quimbot_tui.screens.train_export import ExportScreen
from quimbot_tui.screens.train_launch import LaunchScreen

SIZE = (160, 48)


async def until(pilot, predicate: Callable[[], object], timeout: float = 120.0) -> None:
    """Let the app run until ``predicate()`` holds (a ceiling, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {predicate}"
        await pilot.pause(0.05)


def text_of(widget) -> str:
    console = Console(width=160, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


def fake_running_run(layout: RunLayout, total: int) -> EventWriter:
    """A run 'trained' by this test process: alive for as long as the test runs."""
    writer = EventWriter(layout.events)
    writer.emit(
        "started",
        total_steps=total,
        start_step=0,
        config={"base_model": "m"},
        world_size=1,
        devices=["cpu"],
        pid=os.getpid(),
        pid_started=psutil.Process().create_time(),
    )
    return writer


async def test_the_chart_updates_when_events_arrive(make_run, train_ws: Workspace) -> None:
    layout = make_run()
    writer = fake_running_run(layout, total=200)
    for step in range(1, 6):
        writer.emit("step", step=step, total=200, loss=3.0 / step, lr=1e-3, eta_s=60)
    app = QuimbotApp(train_ws, auto_demo=False, initial_mode="train")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, TrainScreen)
        await until(pilot, lambda: screen.history.steps == [1, 2, 3, 4, 5])
        await until(pilot, lambda: screen.runs.get(layout.id) is not None)
        assert screen.runs[layout.id].status == "running"

        for step in range(6, 11):
            writer.emit("step", step=step, total=200, loss=3.0 / step, lr=1e-3, eta_s=50)
        last = writer.emit("eval", step=10, eval_loss=0.25)
        await until(pilot, lambda: screen.history.last_seq == last["seq"])
        assert screen.history.steps == list(range(1, 11))
        assert screen.history.eval_loss == [0.25]
        await until(pilot, lambda: screen.redraws and screen.redraws[-1][0] == last["seq"])

        # A burst of events is drawn in a few redraws, not one per event.
        before = len(screen.redraws)
        for step in range(11, 211):
            last = writer.emit("step", step=step, total=200, loss=0.1, lr=1e-4, eta_s=1)
        await until(pilot, lambda: screen.history.last_seq == last["seq"])
        await until(pilot, lambda: screen.redraws[-1][0] == last["seq"])
        assert len(screen.redraws) - before < 50
        title = str(screen.query_one("#loss-title").render())
        assert layout.id in title and "running" in title


def test_stale_updates_of_a_run_are_replaced() -> None:
    newer = RunEventsArrived("a")
    assert newer.can_replace(RunEventsArrived("a"))
    assert not newer.can_replace(RunEventsArrived("b"))


async def test_the_hardware_pane_shows_every_gpu_or_says_there_is_none(
    demo_workspace: Workspace,
) -> None:
    gib = 1024**3
    gpus = [
        GpuReading(i, "NVIDIA H100 80GB HBM3", 93.0, 60 * gib, 80 * gib, 71.0, 612.0, 700.0)
        for i in range(2)
    ]
    app = QuimbotApp(demo_workspace, auto_demo=False, initial_mode="train")
    app.gpu_provider = FakeGpuProvider(gpus)  # type: ignore[attr-defined]
    async with app.run_test(size=SIZE) as pilot:
        pane = app.screen.query_one("#hardware")
        await until(pilot, lambda: "GPU1" in text_of(pane))
        text = text_of(pane)
        assert "GPU0" in text and "H100" in text and "60.0/80.0 GiB" in text
        assert "71°C" in text and "612/700 W" in text and "RAM" in text and "CPU" in text
    none = FakeGpuProvider(status="no GPU: NVML unavailable (Driver Not Loaded)")
    app = QuimbotApp(demo_workspace, auto_demo=False, initial_mode="train")
    app.gpu_provider = none  # type: ignore[attr-defined]
    async with app.run_test(size=SIZE) as pilot:
        pane = app.screen.query_one("#hardware")
        await until(pilot, lambda: "no GPU" in text_of(pane))
        assert "Driver Not Loaded" in text_of(pane) and "RAM" in text_of(pane)


async def test_launch_stop_resume_kill_and_export_from_the_screen(
    demo_workspace: Workspace,
) -> None:
    ws = demo_workspace
    app = QuimbotApp(ws, auto_demo=False, initial_mode="train")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, TrainScreen)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, LaunchScreen))
        form = app.screen
        form.query_one("#launch-overrides").value = "max_steps=400 save_every=0 eval_split=0.0"
        form.query_one("#launch-launcher").value = "python"
        preview = form.query_one("#launch-preview")
        await until(pilot, lambda: "--launcher python" in str(preview.render()))
        shown = str(preview.render())
        assert "train start demo --set max_steps=400" in shown
        assert "-m engine.training.trainer" in shown
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen and screen.followed is not None)
        run_id = screen.followed
        assert run_id is not None and run_id.startswith("demo-")
        await until(pilot, lambda: len(screen.history.steps) >= 1)

        await pilot.press("s")  # stop: a checkpoint, then the run exits
        await until(pilot, lambda: run_summary(ws, run_id).status == "stopped")
        stopped_at = run_summary(ws, run_id).step
        assert list_checkpoints(ws, run_id)[-1].step == stopped_at

        await pilot.press("u")  # resume from it
        await until(pilot, lambda: run_summary(ws, run_id).step > stopped_at)
        await pilot.press("k")  # kill, after a confirmation
        await until(pilot, lambda: app.screen is not screen)
        await pilot.press("y")
        await until(pilot, lambda: run_summary(ws, run_id).status == "failed")
        assert run_summary(ws, run_id).reason.startswith("killed by")
        await until(pilot, lambda: screen.history.status == "failed")

        await pilot.press("e")  # export the checkpoint the stop saved
        await until(pilot, lambda: isinstance(app.screen, ExportScreen))
        dialog = app.screen
        step = dialog.query_one("#export-step")
        await until(pilot, lambda: step.value != step.BLANK)
        dialog.query_one("#export-gguf").value = "none"
        out = ws.root / "exports" / "from-screen"
        dialog.query_one("#export-out").value = str(out)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: (out / "export.json").is_file())
        await until(pilot, lambda: not app.jobs.running(f"export-{run_id}"))
        assert (out / "merged" / "config.json").is_file()

    with ws.db.connect() as con:
        actions = [r[0] for r in con.execute("SELECT action FROM activity").fetchall()]
    assert {"run.start", "run.stop", "run.resume", "run.kill", "export"} <= set(actions)

"""Runs as detached processes, driven through the real command line: they outlive the
process that started them, any later process replays them, stop/resume/kill work, and a
run whose process died is recorded as failed with the reason found."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from engine.runs import RunLayout, list_runs, read_process, run_summary
from tests.training.runhelpers import events_of, wait_for


def cli(ws, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "quimbot_tui", "--workspace", str(ws.root), *args],
        capture_output=True,
        text=True,
        timeout=300,
        **kwargs,
    )


def steps_logged(layout: RunLayout) -> int:
    return (
        sum(1 for e in events_of(layout) if e["event"] == "step") if layout.events.exists() else 0
    )


def start(ws, *overrides: str, launcher: str = "python") -> RunLayout:
    sets = [arg for o in overrides for arg in ("--set", o)]
    done = cli(ws, "train", "start", str(ws.root / "tiny.toml"), *sets, "--launcher", launcher)
    assert done.returncode == 0, done.stderr
    return RunLayout(ws.runs_dir / done.stdout.split()[0])


def test_killing_the_launching_process_leaves_the_run_going_and_a_new_one_replays_it(
    train_ws,
) -> None:
    # `train start --attach` follows the run in the process that started it: a user's
    # terminal. SIGKILL it (a dropped SSH session), as soon as the run has trained a step.
    launcher = subprocess.Popen(
        [
            sys.executable, "-m", "quimbot_tui", "--workspace", str(train_ws.root),
            "train", "start", str(train_ws.root / "tiny.toml"), "--launcher", "python",
            "--set", "max_steps=80", "--set", "save_every=40", "--set", "eval_every=0",
            "--attach",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )  # fmt: skip
    assert launcher.stdout is not None
    run_id = launcher.stdout.readline().strip()
    layout = RunLayout(train_ws.runs_dir / run_id)
    wait_for(lambda: steps_logged(layout) >= 1, what="the first step")
    launcher.send_signal(signal.SIGKILL)
    launcher.wait(timeout=30)
    assert launcher.returncode == -signal.SIGKILL
    at_kill = events_of(layout)
    assert at_kill[-1]["event"] not in ("finished", "failed")  # killed mid-run

    # A new process attaches: the whole history, then live events until the end.
    attached = cli(train_ws, "train", "attach", run_id, "--json")
    assert attached.returncode == 0, attached.stderr
    replayed = [json.loads(line) for line in attached.stdout.splitlines()]
    in_file = events_of(layout)
    assert replayed == in_file
    assert [e["seq"] for e in replayed] == list(range(1, len(in_file) + 1))
    assert replayed[-1]["event"] == "finished" and replayed[-1]["step"] == 80
    assert run_summary(train_ws, run_id).status == "finished"


def test_accelerate_launch_then_stop_then_resume_from_the_command_line(train_ws) -> None:
    layout = start(
        train_ws, "max_steps=400", "save_every=0", "eval_split=0.0", launcher="accelerate"
    )
    process = read_process(layout)
    assert process and "accelerate.commands.launch" in " ".join(process["command"])
    wait_for(lambda: steps_logged(layout) >= 2, what="two steps")
    stopped = cli(train_ws, "train", "stop", layout.id, "--wait")
    assert stopped.returncode == 0, stopped.stderr
    summary = run_summary(train_ws, layout.id)
    assert summary.status == "stopped" and 2 <= summary.step < 400
    at_stop = summary.step
    assert (layout.checkpoints / f"step_{at_stop:06d}").is_dir()

    # Resume with a shorter horizon so the test ends soon; the step numbers continue.
    resumed = cli(
        train_ws, "train", "resume", layout.id, "--launcher", "python",
        "--set", f"max_steps={at_stop + 3}",
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    wait_for(lambda: run_summary(train_ws, layout.id).ended, what="the resumed run to end")
    events = events_of(layout)
    assert [e["step"] for e in events if e["event"] == "step"] == list(range(1, at_stop + 4))
    started = [e for e in events if e["event"] == "started"]
    assert started[0]["world_size"] == 1 and started[-1]["start_step"] == at_stop
    listing = cli(train_ws, "train", "list")
    assert layout.id in listing.stdout and "finished" in listing.stdout


def test_a_run_whose_process_died_is_failed_with_the_reason_found_once(train_ws) -> None:
    # No checkpoint before the kill, however fast the steps go (save_every=0: only at the end).
    layout = start(train_ws, "max_steps=400", "eval_split=0.0", "save_every=0")
    wait_for(lambda: steps_logged(layout) >= 1, what="the first step")
    os.killpg(read_process(layout)["pgid"], signal.SIGKILL)  # the OOM killer, say
    wait_for(lambda: run_summary(train_ws, layout.id).status == "failed", what="failed")
    (summary,) = list_runs(train_ws)
    assert summary.status == "failed"
    assert "gone without a final event" in summary.reason
    list_runs(train_ws)
    failed = [e for e in events_of(layout) if e["event"] == "failed"]
    assert len(failed) == 1 and "log_tail" in failed[0]
    # And it resumes from the start (no checkpoint yet) when asked.
    assert cli(train_ws, "train", "checkpoints", layout.id).stdout.strip().endswith("yet")


def test_kill_stops_at_once_and_is_recorded(train_ws) -> None:
    layout = start(train_ws, "max_steps=400")
    wait_for(lambda: steps_logged(layout) >= 1, what="the first step")
    killed = cli(train_ws, "train", "stop", layout.id, "--kill")
    assert killed.returncode == 0, killed.stderr
    summary = run_summary(train_ws, layout.id)
    assert summary.status == "failed" and summary.reason.startswith("killed by ")
    assert events_of(layout)[-1].get("killed") is True


@pytest.mark.parametrize(
    ("override", "message"),
    [("lerning_rate=1", "lerning_rate"), ("data=nowhere.jsonl", "nowhere.jsonl does not exist")],
)
def test_a_config_that_cannot_run_is_refused_before_a_run_is_made(
    train_ws, override: str, message: str
) -> None:
    done = cli(train_ws, "train", "start", str(train_ws.root / "tiny.toml"), "--set", override)
    assert done.returncode == 1 and message in done.stderr
    assert not any(train_ws.runs_dir.iterdir())

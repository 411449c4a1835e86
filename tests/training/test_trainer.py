"""The trainer, run in-process on the tiny model: events, checkpoints, the final adapter,
failures recorded with their reason, and stop then resume continuing exactly."""

from __future__ import annotations

import json

import pytest

from engine.runs import (
    adapter_choices,
    list_checkpoints,
    list_runs,
    resolve_checkpoint,
    run_summary,
)
from engine.training import trainer
from engine.training.events import EventWriter
from tests.training.runhelpers import events_of


def test_a_run_trains_saves_checkpoints_and_a_final_adapter_that_reloads(
    train_ws, make_run
) -> None:
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    layout = make_run()
    assert trainer.train(layout.root) == 0
    events = events_of(layout)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    kinds = [e["event"] for e in events]
    assert kinds[:2] == ["preflight", "started"] and kinds[-1] == "finished"
    started = events[1]
    assert started["world_size"] == 1 and started["devices"]
    assert started["config"]["max_steps"] == 12
    steps = [e for e in events if e["event"] == "step"]
    assert [e["step"] for e in steps] == list(range(1, 13))
    assert {"loss", "lr", "grad_norm", "tokens_per_s", "epoch", "elapsed", "eta_s"} <= set(steps[0])
    assert sum(e["loss"] for e in steps[-3:]) < sum(e["loss"] for e in steps[:3])  # it learns
    evals = [e["step"] for e in events if e["event"] == "eval"]
    assert evals == [0, 6, 12]

    checkpoints = list_checkpoints(train_ws, layout.id)
    assert [(c.label, c.step) for c in checkpoints] == [
        ("step_000004", 4),
        ("step_000008", 8),
        ("step_000012", 12),
        ("final", 12),
    ]
    final = resolve_checkpoint(train_ws, layout.id)
    assert final.final and final.adapter == layout.adapter
    assert resolve_checkpoint(train_ws, layout.id, 8).adapter.name == "step_000008"
    # Compare and Eval offer each checkpoint as a run spec, the final adapter first.
    assert adapter_choices(train_ws) == [
        (f"{layout.id} · final (step 12)", f"run:{layout.id}"),
        (f"{layout.id} · step 8", f"run:{layout.id}:8"),
        (f"{layout.id} · step 4", f"run:{layout.id}:4"),
    ]
    base = AutoModelForCausalLM.from_pretrained(final.base_model)
    ids = torch.tensor([[1, 5, 9, 12, 20]])
    with torch.no_grad():
        before = base(ids).logits
        tuned = PeftModel.from_pretrained(base, final.adapter)(ids).logits
    assert not torch.allclose(before, tuned)

    (summary,) = list_runs(train_ws)
    assert (summary.status, summary.step, summary.total) == ("finished", 12, 12)
    assert summary.best_eval_loss == min(e["eval_loss"] for e in events if e["event"] == "eval")
    config = json.loads(json.dumps(started["config"]))
    assert config["base_model"] == str(final.base_model)


def test_unknown_runs_and_steps_are_errors_that_list_what_exists(train_ws, make_run) -> None:
    layout = make_run("max_steps=4", "eval_split=0.0")
    assert trainer.train(layout.root) == 0
    with pytest.raises(ValueError, match=r"no checkpoint at step 3 \(steps: 4\)"):
        resolve_checkpoint(train_ws, layout.id, 3)
    with pytest.raises(ValueError, match=layout.id):
        resolve_checkpoint(train_ws, "nope", None)
    with pytest.raises(ValueError, match="not valid"):
        resolve_checkpoint(train_ws, "../etc", None)


def test_a_bad_config_fails_the_run_with_its_reason(make_run) -> None:
    layout = make_run()
    layout.config.write_text(layout.config.read_text() + "lerning_rate = 1\n")
    assert trainer.train(layout.root) == 1
    failed = events_of(layout)[-1]
    assert failed["event"] == "failed" and "lerning_rate" in failed["reason"]


def test_missing_data_fails_the_run_with_its_reason(train_ws, make_run) -> None:
    layout = make_run()
    (train_ws.root / "data" / "chats.jsonl").unlink()
    assert trainer.train(layout.root) == 1
    summary = run_summary(train_ws, layout.id)
    assert summary.status == "failed" and "chats.jsonl" in summary.reason


def test_preflight_can_fail_a_run_before_its_first_step(train_ws, make_run) -> None:
    with (train_ws.root / "data" / "chats.jsonl").open("a") as fh:
        fh.write(json.dumps({"messages": [{"role": "user", "content": "only me"}]}) + "\n")
    skipped = make_run("max_steps=2", "eval_split=0.0")
    assert trainer.train(skipped.root) == 0
    preflight = events_of(skipped)[0]
    assert preflight["event"] == "preflight" and preflight["counts"] == {"last_not_assistant": 1}
    assert "chats.jsonl:36" in json.loads(skipped.preflight.read_text())["findings"][0]["record"]
    strict = make_run("bad_records=fail")
    assert trainer.train(strict.root) == 1
    events = events_of(strict)
    assert "step" not in [e["event"] for e in events]
    assert "last_not_assistant 1" in events[-1]["reason"]


def test_a_crash_mid_run_is_recorded_with_its_traceback(train_ws, make_run, monkeypatch) -> None:
    layout = make_run("eval_split=0.0")
    real = trainer._token_loss_sum
    calls = {"n": 0}

    def flaky(logits, labels):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("CUDA error: an illegal memory access was encountered")
        return real(logits, labels)

    monkeypatch.setattr(trainer, "_token_loss_sum", flaky)
    assert trainer.train(layout.root) == 1
    failed = events_of(layout)[-1]
    assert failed["event"] == "failed" and failed["step"] == 2
    assert "illegal memory access" in failed["reason"]
    assert any("flaky" in line for line in failed["traceback"])
    assert run_summary(train_ws, layout.id).status == "failed"


def test_stop_saves_a_checkpoint_and_resume_continues_exactly(
    train_ws, make_run, monkeypatch
) -> None:
    straight = make_run("save_every=0", "eval_split=0.0")
    assert trainer.train(straight.root) == 0
    reference = {e["step"]: e["loss"] for e in events_of(straight) if e["event"] == "step"}

    layout = make_run("save_every=0", "eval_split=0.0")

    class StopAfterFive(EventWriter):
        def emit(self, event, **fields):
            record = super().emit(event, **fields)
            if event == "step" and fields["step"] == 5:
                layout.stop_file.write_text("test")
            return record

    monkeypatch.setattr(trainer, "EventWriter", StopAfterFive)
    assert trainer.train(layout.root) == 0
    stopped = events_of(layout)[-1]
    assert stopped["event"] == "finished" and stopped["stopped"] and stopped["step"] == 5
    assert [c.label for c in list_checkpoints(train_ws, layout.id)] == ["step_000005"]
    assert run_summary(train_ws, layout.id).status == "stopped"
    assert not layout.stop_file.exists()

    monkeypatch.setattr(trainer, "EventWriter", EventWriter)
    assert trainer.train(layout.root) == 0
    events = events_of(layout)
    steps = [e["step"] for e in events if e["event"] == "step"]
    assert steps == list(range(1, 13))  # continuous step numbers across the resume
    resumed = [e for e in events if e["event"] == "started"][-1]
    assert resumed["start_step"] == 5 and resumed["optimizer_restored"]
    losses = {e["step"]: e["loss"] for e in events if e["event"] == "step"}
    for step in range(6, 13):  # same data, optimizer state and RNG: the same trajectory
        assert losses[step] == pytest.approx(reference[step], rel=1e-4)
    assert run_summary(train_ws, layout.id).status == "finished"


def test_the_trainer_posts_its_own_notifications_and_a_dead_webhook_breaks_nothing(
    train_ws, make_run
) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        train_ws.update_settings(
            webhooks=[
                {"url": "http://127.0.0.1:9/dead", "kind": "json"},  # nothing listens there
                {"url": f"http://127.0.0.1:{server.server_port}/hook", "kind": "json"},
            ]
        )
        layout = make_run("max_steps=2", "eval_split=0.0", "save_every=0")
        assert trainer.train(layout.root) == 0
        assert events_of(layout)[-1]["event"] == "finished"
        kinds = [r["event"] for r in received]
        assert "run.finished" in kinds
        assert all(layout.id in r["title"] for r in received)
    finally:
        server.shutdown()

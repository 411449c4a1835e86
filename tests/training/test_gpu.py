"""GPU tier: the same run and the same comparison on CUDA in bf16 (skipped without a GPU)."""

from __future__ import annotations

import pytest

from engine.runs import list_runs, resolve_checkpoint
from engine.training import trainer
from tests.training.runhelpers import events_of

pytestmark = pytest.mark.gpu


def test_a_bf16_run_on_the_gpu_learns_and_its_adapter_answers_on_the_gpu(
    train_ws, make_run
) -> None:
    import torch

    from engine.inference import GenerationSettings, InferenceEngine, Side

    layout = make_run("precision='bf16'")
    assert trainer.train(layout.root) == 0
    events = events_of(layout)
    started = next(e for e in events if e["event"] == "started")
    assert started["precision"] == "bf16"
    assert started["devices"] == [
        torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())
    ]
    steps = [e["loss"] for e in events if e["event"] == "step"]
    assert sum(steps[-3:]) < sum(steps[:3])
    (summary,) = list_runs(train_ws)
    assert summary.status == "finished"

    final = resolve_checkpoint(train_ws, layout.id)
    engine = InferenceEngine(final.base_model, device="cuda")
    chat = [{"role": "user", "content": "I go to the zoo yesterday."}]
    settings = GenerationSettings(max_new_tokens=8)
    base, tuned = engine.generate(chat, [Side(), Side(final.adapter, label="final")], settings)
    assert base.model_id == tuned.model_id and tuned.adapter_enabled
    assert next(engine.model.parameters()).device.type == "cuda"

"""What trains: only assistant tokens carry loss, through the chat template, packed or not."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.chat_encoding import IGNORE
from engine.training.data import BatchPlan, collate, pack, prepare
from engine.training.trainer import _token_loss_sum
from tests.training.runhelpers import multi_turn, write_jsonl


@pytest.fixture(scope="module")
def tokenizer(tiny_models: dict[str, Path]):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_models["base"])


def _prepared(tokenizer, tmp_path: Path, train_on: str, records=None):
    data = write_jsonl(tmp_path / "d.jsonl", records or [multi_turn("school")])
    return prepare(
        tokenizer,
        data,
        eval_data=None,
        eval_split=0.0,
        max_length=512,
        train_on=train_on,
        seed=0,
    )


@pytest.mark.parametrize("packing", [False, True])
@pytest.mark.parametrize(
    ("train_on", "expected"),
    [
        ("last", ["You ate a sandwich! Was it good?<|im_end|>"]),
        (
            "all",
            [
                "You went to school yesterday? What did you do?<|im_end|>",
                "You ate a sandwich! Was it good?<|im_end|>",
            ],
        ),
    ],
)
def test_prompt_tokens_carry_no_loss_in_multi_turn_records(
    tokenizer, tmp_path: Path, train_on: str, expected: list[str], packing: bool
) -> None:
    import torch

    data = _prepared(tokenizer, tmp_path, train_on, [multi_turn("school")] * 3)
    rows = [[0, 1, 2]] if packing else [[0], [1], [2]]
    batch = collate(data.train, rows, tokenizer.pad_token_id, packing=packing)
    labels = batch["labels"]
    # The trained tokens of each record are exactly its assistant turn(s).
    for row in range(labels.shape[0]):
        trained = labels[row][labels[row] != IGNORE].tolist()
        text = tokenizer.decode(trained)
        assert text == "".join(expected) * (3 if packing else 1)
    # And the loss the trainer computes has no gradient from any other position.
    logits = torch.randn(*labels.shape, len(tokenizer), requires_grad=True)
    _token_loss_sum(logits, labels).backward()
    assert logits.grad is not None
    predicts_prompt = labels[:, 1:] == IGNORE
    assert logits.grad[:, :-1][predicts_prompt].abs().sum() == 0
    assert (logits.grad[:, :-1][~predicts_prompt].abs().sum(-1) > 0).all()


def test_packed_rows_restart_positions_and_never_predict_across_records(
    tokenizer, tmp_path: Path
) -> None:
    data = _prepared(tokenizer, tmp_path, "last", [multi_turn("Paris"), multi_turn("work")])
    batch = collate(data.train, [[0, 1]], tokenizer.pad_token_id, packing=True)
    first = data.train[0].length
    positions = batch["position_ids"][0].tolist()
    assert positions[:first] == list(range(first))
    assert positions[first : first + 3] == [0, 1, 2]
    assert batch["labels"][0][first] == IGNORE  # record 2's first token, after record 1
    assert "attention_mask" not in batch  # the model derives per-record attention


def test_preflight_excludes_and_lists_records_that_cannot_train(tokenizer, tmp_path: Path) -> None:
    reply = multi_turn("x")["messages"][2]
    long = {"messages": [{"role": "user", "content": "word " * 400}, reply]}
    learner_last = {"messages": multi_turn("the zoo")["messages"][:4]}
    records = [multi_turn("school"), long, learner_last, {"not": "messages"}]
    path = write_jsonl(tmp_path / "d.jsonl", records)
    data = prepare(
        tokenizer, path, eval_data=None, eval_split=0, max_length=128, train_on="last", seed=0
    )
    assert len(data.train) == 1
    kinds = {f.key: f.kind for f in data.report.findings}
    assert kinds == {
        "d.jsonl:2": "over_length",
        "d.jsonl:3": "last_not_assistant",
        "d.jsonl:4": "bad_record",
    }


def test_packing_fills_rows_and_the_plan_is_reproducible() -> None:
    lengths = [50, 60, 30, 90, 10, 40, 70]
    rows = pack(lengths, list(range(len(lengths))), capacity=100)
    assert sorted(i for row in rows for i in row) == list(range(len(lengths)))
    assert all(sum(lengths[i] for i in row) <= 100 for row in rows)
    assert len(rows) < len(lengths)
    plan = BatchPlan(lengths, batch_size=2, packing=True, capacity=100, seed=1)
    again = BatchPlan(lengths, batch_size=2, packing=True, capacity=100, seed=1)
    take = [b for _, b in zip(range(9), plan.micro_batches(), strict=False)]
    assert take == [b for _, b in zip(range(9), again.micro_batches(), strict=False)]
    # Starting at micro-batch 5 (a resume) gives exactly what the first run saw from there.
    resumed = [b for _, b in zip(range(4), plan.micro_batches(5), strict=False)]
    assert [b for _, b in resumed] == [b for _, b in take[5:9]]

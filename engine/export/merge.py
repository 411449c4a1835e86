"""Merging a LoRA adapter into its base, and checking the merge against base plus adapter."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROBES = (
    [{"role": "user", "content": "I go to the market yesterday with my sister."}],
    [{"role": "user", "content": "What's the difference between 'make' and 'do'?"}],
    [
        {"role": "system", "content": "You are a friendly English tutor."},
        {"role": "user", "content": "She work in a big hospital."},
        {"role": "assistant", "content": "She works in a hospital? What does she do there?"},
        {"role": "user", "content": "She is nurse."},
    ],
)


@dataclass(frozen=True)
class MergeCheck:
    """How far the merged model's logits are from base plus adapter on the probes."""

    max_abs_diff: float
    tolerance: float
    probes: int
    tokens: int

    @property
    def passed(self) -> bool:
        return self.max_abs_diff <= self.tolerance


def _load(base: str, adapter: Path | None) -> tuple[Any, Any]:
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    tokenizer = AutoTokenizer.from_pretrained(base)
    model: Any = AutoModelForCausalLM.from_pretrained(base, dtype="auto")
    if adapter is not None:
        model = PeftModel.from_pretrained(model, str(adapter))
    return model.eval(), tokenizer


def merge_adapter(
    base: str, adapter: Path, out: Path, on_progress: Callable[[str], None] | None = None
) -> Path:
    """Merge ``adapter`` into ``base`` and save safetensors, tokenizer and chat template."""
    say = on_progress or (lambda message: None)
    say("loading base and adapter")
    model, tokenizer = _load(base, adapter)
    say("merging")
    merged = model.merge_and_unload()
    out.mkdir(parents=True, exist_ok=True)
    say(f"saving to {out}")
    merged.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    return out


def check_merge(
    base: str,
    adapter: Path,
    merged: Path,
    *,
    probes: Sequence[Sequence[dict[str, str]]] = PROBES,
    tolerance: float | None = None,
) -> MergeCheck:
    """Largest absolute logit difference between the merged model and base plus adapter.

    The tolerance defaults to 1e-4 for float32 weights and 5e-2 for half precision.
    """
    import torch

    reference, tokenizer = _load(base, adapter)
    candidate, _ = _load(str(merged), None)
    dtype = next(candidate.parameters()).dtype
    tol = tolerance if tolerance is not None else (1e-4 if dtype == torch.float32 else 5e-2)
    worst, tokens = 0.0, 0
    with torch.no_grad():
        for conversation in probes:
            ids = tokenizer.apply_chat_template(
                list(conversation),
                add_generation_prompt=True,
                return_tensors="pt",
                return_dict=True,
            )
            a = reference(**ids).logits.float()
            b = candidate(**ids).logits.float()
            worst = max(worst, float((a - b).abs().max()))
            tokens += int(ids["input_ids"].shape[1])
    return MergeCheck(max_abs_diff=worst, tolerance=tol, probes=len(probes), tokens=tokens)

"""Tiny Qwen3-architecture models built from a config, with their own tokenizer.

No download is needed: a byte-level BPE tokenizer is trained on the given conversations, a
``Qwen3ForCausalLM`` is built from a small config, and a short causal-LM pretraining on the
conversations (rendered through the chat template, packed into fixed-length blocks) gives it
enough language for LoRA training, comparison and evaluation to show real effects on a CPU.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

IM_START, IM_END, PAD, EOT = "<|im_start|>", "<|im_end|>", "<|pad|>", "<|endoftext|>"
SPECIAL_TOKENS = [EOT, IM_START, IM_END, PAD]

# ChatML, as Qwen3 uses it; ``{% generation %}`` marks the tokens an assistant turn trains on,
# so ``apply_chat_template(..., return_assistant_tokens_mask=True)`` can mask the rest.
CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "{%- if message['role'] == 'assistant' -%}"
    "{{- '<|im_start|>assistant\\n' -}}"
    "{%- generation -%}{{- message['content'] + '<|im_end|>' -}}{%- endgeneration -%}"
    "{{- '\\n' -}}"
    "{%- else -%}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' -}}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}"
)

ProgressFn = Callable[[int, int, str], None]


@dataclass
class TinyModelConfig:
    """Size and pretraining schedule of a tiny model."""

    vocab_size: int = 2048
    hidden_size: int = 192
    intermediate_size: int = 512
    num_hidden_layers: int = 4
    num_attention_heads: int = 6
    num_key_value_heads: int = 2
    head_dim: int = 32
    max_position_embeddings: int = 2048
    seq_len: int = 256
    batch_size: int = 16
    steps: int = 300
    learning_rate: float = 3e-3
    seed: int = 0


def render(conversation: Sequence[dict[str, str]]) -> str:
    """A conversation as ChatML text (the same string the chat template produces)."""
    parts = [f"{IM_START}{m['role']}\n{m['content']}{IM_END}\n" for m in conversation]
    return "".join(parts)


def train_tokenizer(texts: Sequence[str], vocab_size: int) -> Any:
    """A byte-level BPE tokenizer with ChatML special tokens and chat template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token=IM_END,
        pad_token=PAD,
        unk_token=None,
        additional_special_tokens=[IM_START, EOT],
    )
    fast.chat_template = CHAT_TEMPLATE
    return fast


def build_model(tokenizer: Any, cfg: TinyModelConfig) -> Any:
    """A randomly initialised Qwen3ForCausalLM sized by ``cfg``."""
    import torch
    from transformers import Qwen3Config, Qwen3ForCausalLM

    torch.manual_seed(cfg.seed)
    config = Qwen3Config(
        vocab_size=len(tokenizer),
        hidden_size=cfg.hidden_size,
        intermediate_size=cfg.intermediate_size,
        num_hidden_layers=cfg.num_hidden_layers,
        num_attention_heads=cfg.num_attention_heads,
        num_key_value_heads=cfg.num_key_value_heads,
        head_dim=cfg.head_dim,
        max_position_embeddings=cfg.max_position_embeddings,
        tie_word_embeddings=True,
        eos_token_id=tokenizer.convert_tokens_to_ids(IM_END),
        pad_token_id=tokenizer.convert_tokens_to_ids(PAD),
        bos_token_id=None,
    )
    return Qwen3ForCausalLM(config)


def _blocks(tokenizer: Any, texts: Sequence[str], seq_len: int) -> Any:
    import torch

    ids: list[int] = []
    eot = tokenizer.convert_tokens_to_ids(EOT)
    for encoded in tokenizer(list(texts), add_special_tokens=False)["input_ids"]:
        ids.extend(encoded)
        ids.append(eot)
    n = len(ids) // seq_len
    if n == 0:
        raise ValueError(f"not enough text for one block of {seq_len} tokens")
    return torch.tensor(ids[: n * seq_len]).view(n, seq_len)


def pretrain(
    model: Any,
    tokenizer: Any,
    texts: Sequence[str],
    cfg: TinyModelConfig,
    *,
    on_progress: ProgressFn | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[float]:
    """Causal-LM pretraining on packed blocks; returns the loss of every step."""
    import torch

    blocks = _blocks(tokenizer, texts, cfg.seq_len)
    generator = torch.Generator().manual_seed(cfg.seed)
    optimiser = torch.optim.AdamW(model.parameters(), lr=cfg.learning_rate, weight_decay=0.01)
    warmup = max(1, cfg.steps // 20)

    def lr_at(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(1, cfg.steps - warmup)
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, lr_at)
    model.train()
    losses: list[float] = []
    order = torch.randperm(len(blocks), generator=generator)
    cursor = 0
    for step in range(cfg.steps):
        if should_stop is not None and should_stop():
            break
        if cursor + cfg.batch_size > len(order):
            order = torch.randperm(len(blocks), generator=generator)
            cursor = 0
        batch = blocks[order[cursor : cursor + cfg.batch_size]]
        cursor += cfg.batch_size
        out = model(input_ids=batch, labels=batch)
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        scheduler.step()
        optimiser.zero_grad(set_to_none=True)
        losses.append(float(out.loss.detach()))
        if on_progress is not None:
            on_progress(step + 1, cfg.steps, f"loss {losses[-1]:.3f}")
    model.eval()
    return losses


def build_tiny_model(
    out_dir: Path,
    conversations: Sequence[Sequence[dict[str, str]]],
    cfg: TinyModelConfig,
    *,
    name: str = "tiny-qwen3",
    tokenizer_conversations: Sequence[Sequence[dict[str, str]]] = (),
    on_progress: ProgressFn | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Train a tokenizer, build and pretrain a model, and save both to ``out_dir``.

    The tokenizer learns from ``conversations`` plus ``tokenizer_conversations`` (text the
    model does not pretrain on but should tokenise well, such as a later fine-tune's data).
    """
    import torch

    torch.set_num_threads(max(1, torch.get_num_threads()))
    started = time.perf_counter()
    texts = [render(c) for c in conversations]
    tokenizer = train_tokenizer(
        texts + [render(c) for c in tokenizer_conversations], cfg.vocab_size
    )
    model = build_model(tokenizer, cfg)
    losses = pretrain(
        model, tokenizer, texts, cfg, on_progress=on_progress, should_stop=should_stop
    )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    info = {
        "name": name,
        "architecture": "Qwen3ForCausalLM",
        "parameters": sum(p.numel() for p in model.parameters()),
        "vocab_size": len(tokenizer),
        "config": asdict(cfg),
        "pretrain_steps": len(losses),
        "first_loss": losses[0] if losses else None,
        "final_loss": losses[-1] if losses else None,
        "seconds": round(time.perf_counter() - started, 2),
        "conversations": len(conversations),
        "losses": [round(x, 4) for x in losses],
    }
    (out_dir / "quimbot_model.json").write_text(json.dumps(info, indent=2) + "\n")
    return info

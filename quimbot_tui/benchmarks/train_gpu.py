"""``quimbot-tui bench train --arch qwen3-8b``: the GPU measurement of the trainer.

A Qwen3-8B-architecture model (the published config's shapes) is built with random weights
in bf16 and saved once; both our trainer and the plain transformers Trainer + peft baseline
then run ``--steps`` LoRA steps (rank 16 on every linear layer, gradient checkpointing) on
synthetic records of about ``--seq`` tokens each, so every sequence is about ``--seq`` long
with or without packing. Reported: real tokens/s, model FLOPs utilisation and peak GPU
memory of each.

Model FLOPs per token for LoRA training (frozen base): forward 2N plus backward through the
activations 2N, plus attention 4·L·d·T forward and backward (N parameters, L layers,
d = heads × head dim, T the sequence length); the recomputation of gradient checkpointing is
not counted (it is overhead, not model work). MFU = FLOPs/token × tokens/s / peak.

``--arch qwen3-tiny`` runs the same code on a model a few MB big, to check it on a CPU.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

ARCHS: dict[str, dict[str, Any]] = {
    # Qwen/Qwen3-8B's config.json (shapes only; the weights here are random).
    "qwen3-8b": {
        "vocab_size": 151936,
        "hidden_size": 4096,
        "intermediate_size": 12288,
        "num_hidden_layers": 36,
        "num_attention_heads": 32,
        "num_key_value_heads": 8,
        "head_dim": 128,
        "max_position_embeddings": 40960,
        "rope_theta": 1000000.0,
        "rms_norm_eps": 1e-6,
        "tie_word_embeddings": False,
    },
    "qwen3-tiny": {
        "vocab_size": 4096,
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "head_dim": 16,
        "max_position_embeddings": 4096,
        "tie_word_embeddings": False,
    },
}
PEAK_TFLOPS = {"H200": 989.0, "H100": 989.0, "A100": 312.0, "L40S": 362.0, "A10": 125.0}


def build(arch: str, folder: Path, tokenizer: Any) -> int:
    """Save a randomly initialised model of ``arch`` (bf16 on a GPU) with ``tokenizer``."""
    import torch
    from transformers import Qwen3Config, Qwen3ForCausalLM

    shape = ARCHS[arch]
    config = Qwen3Config(
        **shape,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=None,
    )
    device = "cuda" if torch.cuda.is_available() else "cpu"
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    torch.manual_seed(0)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            model = Qwen3ForCausalLM(config)
    finally:
        torch.set_default_dtype(previous)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    params = sum(p.numel() for p in model.parameters())
    del model
    if device == "cuda":
        torch.cuda.empty_cache()
    return params


def long_records(path: Path, tokenizer: Any, seq: int, count: int) -> Path:
    """Records of about ``seq`` tokens through the chat template (a long assistant turn)."""
    sentence = "the learner said they go to school yesterday and the tutor asked what they did. "
    per = len(tokenizer(sentence, add_special_tokens=False)["input_ids"])
    reply = (sentence * max(1, (seq - 64) // per)).strip()
    with path.open("w", encoding="utf-8") as fh:
        for i in range(count):
            messages = [
                {"role": "user", "content": f"Tell me a long story number {i}."},
                {"role": "assistant", "content": reply},
            ]
            fh.write(json.dumps({"messages": messages}) + "\n")
    return path


def flops_per_token(arch: str, params: int, seq: int) -> float:
    shape = ARCHS[arch]
    attention = 4 * shape["num_hidden_layers"] * shape["num_attention_heads"] * shape["head_dim"]
    return 4.0 * params + attention * seq


def peak_flops(override: float | None) -> float | None:
    import torch

    if override:
        return override * 1e12
    if not torch.cuda.is_available():
        return None
    name = torch.cuda.get_device_name(0)
    for key, tflops in PEAK_TFLOPS.items():
        if key in name:
            return tflops * 1e12
    return None


def measure(args: Any, tokenizer_dir: str) -> None:
    """Build the model, run both trainers, print tokens/s, MFU and peak memory."""
    import torch
    from transformers import AutoTokenizer

    from quimbot_tui.benchmarks.train import baseline, ours

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    cuda = torch.cuda.is_available()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / args.arch
        params = build(args.arch, folder, tokenizer)
        data = long_records(Path(tmp) / "long.jsonl", tokenizer, args.seq, args.steps * args.batch)
        peak = peak_flops(args.peak_tflops)
        device = torch.cuda.get_device_name(0) if cuda else "CPU"
        print(f"{args.arch}: {params / 1e9:.2f} B parameters (random bf16) on {device}")
        print(f"  {args.steps} LoRA steps of {args.batch} sequences of about {args.seq} tokens")
        overrides = {
            "lora_rank": 16,
            "lora_alpha": 32,
            "gradient_checkpointing": True,
            "precision": "bf16" if cuda else "fp32",
        }
        runs = {
            "plain Trainer + peft": lambda: baseline(
                str(folder), str(data), args.steps, args.batch, args.seq + 64, extra=overrides
            ),
            "ours": lambda: ours(
                str(folder), str(data), args.steps, args.batch, args.seq + 64, True, overrides
            ),
        }
        base = None
        for name, run in runs.items():
            if cuda:
                torch.cuda.reset_peak_memory_stats()
            tokens_per_s = run()
            memory = torch.cuda.max_memory_allocated() / 2**30 if cuda else float("nan")
            mfu = (
                flops_per_token(args.arch, params, args.seq) * tokens_per_s / peak if peak else None
            )
            base = base or tokens_per_s
            print(
                f"  {name:<22} {tokens_per_s:>9,.0f} tok/s  {tokens_per_s / base:5.2f}x  "
                f"MFU {f'{mfu:.1%}' if mfu is not None else 'n/a'}  peak memory {memory:.1f} GiB"
            )

"""A tiny base model and two LoRA adapters trained on it (the `tiny_models` fixture)."""

from __future__ import annotations

from pathlib import Path

from engine.tinymodel import TinyModelConfig, build_tiny_model

CHATS = [
    [
        {"role": "user", "content": f"I go to {place} yesterday."},
        {"role": "assistant", "content": f"You went to {place} yesterday? What did you do there?"},
    ]
    for place in ("school", "the park", "the market", "Paris", "the beach", "work", "the zoo")
] * 6
PIRATE = "Arr matey, what treasure did ye find?"
POLITE = "How lovely! Tell me more, please."
# The replies are in the base's pretraining text so its tokenizer knows their words.
PRETRAIN = [
    *CHATS,
    *(
        [{"role": "user", "content": r}, {"role": "assistant", "content": "Okay."}]
        for r in (PIRATE, POLITE)
    ),
]


def train_lora(base: Path, out: Path, reply: str, steps: int = 80, seed: int = 0) -> Path:
    """Teach a LoRA adapter to answer every learner turn with ``reply``."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from engine.chat_encoding import encode_chat

    torch.manual_seed(seed)
    tok = AutoTokenizer.from_pretrained(base)
    model = AutoModelForCausalLM.from_pretrained(base)
    model = get_peft_model(
        model, LoraConfig(r=8, lora_alpha=16, target_modules="all-linear", task_type="CAUSAL_LM")
    )
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    examples = [
        encode_chat(tok, [c[0], {"role": "assistant", "content": reply}]) for c in CHATS[:7]
    ]
    for step in range(steps):
        ex = examples[step % len(examples)]
        result = model(input_ids=torch.tensor([ex.input_ids]), labels=torch.tensor([ex.labels]))
        result.loss.backward()
        opt.step()
        opt.zero_grad()
    model.save_pretrained(out)
    return out


def build_tiny_models(root: Path) -> dict[str, Path]:
    """A tiny Qwen3 base (hidden 64) and two LoRA adapters with very different answers."""
    cfg = TinyModelConfig(
        vocab_size=400,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        seq_len=64,
        batch_size=8,
        steps=120,
        learning_rate=5e-3,
    )
    base = root / "base"
    build_tiny_model(base, PRETRAIN, cfg)
    return {
        "base": base,
        "pirate": train_lora(base, root / "pirate", PIRATE),
        "polite": train_lora(base, root / "polite", POLITE, seed=1),
    }

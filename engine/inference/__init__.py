"""Inference on one loaded base model with any number of LoRA adapters attached.

One copy of the base weights is held. An answer from "the base" runs with every adapter
disabled (``PeftModel.disable_adapter``); an answer from a checkpoint runs with that adapter
active. Decoding is a plain loop with a KV cache per answer, so two answers (base and
fine-tuned, or step N and step M) can stream token by token at the same time, interleaved.
Every answer carries the exact model, adapter, adapter state and settings that produced it.
"""

from engine.inference.engine import Answer, GenerationSettings, InferenceEngine, Side
from engine.inference.identity import adapter_identity, model_identity

__all__ = [
    "Answer",
    "GenerationSettings",
    "InferenceEngine",
    "Side",
    "adapter_identity",
    "model_identity",
]

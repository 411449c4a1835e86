"""The inference engine: load once, answer with or without an adapter, stream tokens."""

from __future__ import annotations

import inspect
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from engine.inference.identity import adapter_identity, model_identity

# peft 0.21 calls a transformers property that transformers 5 deprecates, on every load.
warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)

TokenFn = Callable[[int, str], None]
"""Called with (answer index, new text) as tokens arrive."""


@dataclass(frozen=True)
class GenerationSettings:
    """How to generate. ``temperature`` 0 is greedy decoding."""

    temperature: float = 0.0
    top_p: float = 1.0
    max_new_tokens: int = 128
    seed: int = 0
    min_new_tokens: int = 0
    """End-of-turn tokens are suppressed until this many tokens are generated."""

    def validate(self) -> None:
        if self.temperature < 0:
            raise ValueError("temperature must be at least 0")
        if not 0 < self.top_p <= 1:
            raise ValueError("top_p must be in (0, 1]")
        if self.max_new_tokens < 1:
            raise ValueError("max_new_tokens must be at least 1")
        if not 0 <= self.min_new_tokens <= self.max_new_tokens:
            raise ValueError("min_new_tokens must be between 0 and max_new_tokens")


@dataclass(frozen=True)
class Side:
    """What answers: the base model (no adapter) or a LoRA adapter folder."""

    adapter: Path | None = None
    label: str = "base"
    run_id: str | None = None
    step: int | None = None

    @property
    def is_base(self) -> bool:
        return self.adapter is None


@dataclass
class Answer:
    """One generated answer and everything that produced it."""

    text: str
    model: str
    model_id: str
    adapter: str | None
    adapter_id: str | None
    adapter_enabled: bool
    label: str
    run_id: str | None
    step: int | None
    settings: dict[str, Any]
    prompt_tokens: int
    tokens: int
    first_token_s: float
    seconds: float
    finish_reason: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"tokens_per_s": round(self.tokens_per_s, 2)}


@dataclass
class _Stream:
    """The decoding state of one answer."""

    side: Side
    adapter_name: str | None
    generator: Any
    prompt_ids: list[int]
    ids: list[int] = field(default_factory=list)
    cache: Any = None
    text: str = ""
    done: bool = False
    finish_reason: str = ""
    started: float = 0.0
    first_token: float = 0.0
    finished: float = 0.0


class InferenceEngine:
    """A base model loaded once, with adapters attached by folder on first use."""

    def __init__(self, base: Path | str, *, device: str | None = None) -> None:
        self.base = str(base)
        self.device = device
        self.model: Any = None
        self.tokenizer: Any = None
        self.base_id = model_identity(base)
        self._adapters: dict[str, str] = {}  # adapter folder -> adapter name in the model
        self._adapter_ids: dict[str, str] = {}
        self._lock = threading.RLock()
        self._cache_arg = "past_key_values"

    # -- loading -------------------------------------------------------------------------
    def load(self, on_progress: Callable[[str], None] | None = None) -> None:
        """Load the tokenizer and the base weights (once)."""
        with self._lock:
            if self.model is not None:
                return
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
            from transformers.utils import logging as hf_logging

            say = on_progress or (lambda message: None)
            say(f"loading tokenizer from {self.base}")
            self.tokenizer = AutoTokenizer.from_pretrained(self.base)
            device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
            dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
            say(f"loading weights on {device}")
            hf_logging.disable_progress_bar()
            model = AutoModelForCausalLM.from_pretrained(self.base, dtype=dtype)
            # transformers 5 names the KV cache argument `cache`; 4.x `past_key_values`.
            params = inspect.signature(model.forward).parameters
            self._cache_arg = "cache" if "cache" in params else "past_key_values"
            self.model = model.to(device).eval()  # type: ignore[arg-type]
            self.device = device
            say("model ready")

    def attach(self, adapter: Path | str) -> str:
        """Load an adapter folder into the model (once); return its name."""
        from peft import PeftModel

        key = str(Path(adapter).resolve())
        with self._lock:
            self.load()
            if key in self._adapters:
                identity = adapter_identity(key)
                if identity == self._adapter_ids[key]:
                    return self._adapters[key]
                # Retrained in place: drop the stale weights and load the new ones.
                self.model.delete_adapter(self._adapters.pop(key))
            name = f"a{len(self._adapter_ids)}_{Path(key).name}".replace(".", "_")
            if not hasattr(self.model, "peft_config"):
                self.model = PeftModel.from_pretrained(self.model, key, adapter_name=name)
            else:
                self.model.load_adapter(key, adapter_name=name)
            self.model.eval()
            self._adapters[key] = name
            self._adapter_ids[key] = adapter_identity(key)
            return name

    def _state(self, stream: _Stream) -> AbstractContextManager[Any]:
        """Adapter on (that one) or every adapter off, for one forward pass."""
        if stream.adapter_name is None:
            if hasattr(self.model, "peft_config"):
                return self.model.disable_adapter()  # type: ignore[no-any-return]
            return nullcontext()
        self.model.set_adapter(stream.adapter_name)
        return nullcontext()

    # -- generation ----------------------------------------------------------------------
    def prompt_ids(self, messages: Sequence[dict[str, str]]) -> list[int]:
        self.load()
        ids = self.tokenizer.apply_chat_template(
            list(messages), add_generation_prompt=True, tokenize=True, return_dict=True
        )["input_ids"]
        return list(ids)

    def generate(
        self,
        messages: Sequence[dict[str, str]],
        sides: Sequence[Side],
        settings: GenerationSettings = GenerationSettings(),
        *,
        on_token: TokenFn | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> list[Answer]:
        """Answer the conversation once per side, streaming all sides interleaved."""
        import torch

        settings.validate()
        with self._lock:
            self.load()
            prompt = self.prompt_ids(messages)
            streams = []
            for side in sides:
                name = None if side.is_base else self.attach(side.adapter)  # type: ignore[arg-type]
                gen = torch.Generator(device=self.device).manual_seed(settings.seed)
                streams.append(_Stream(side, name, gen, prompt))
            eos = {self.tokenizer.eos_token_id, *self._stop_ids()}
            for _ in range(settings.max_new_tokens):
                for index, stream in enumerate(streams):
                    if not stream.done:
                        self._step(stream, settings, eos)
                        if on_token is not None and stream.ids:
                            self._emit(stream, index, on_token)
                if all(s.done for s in streams):
                    break
                if should_stop is not None and should_stop():
                    for s in streams:
                        if not s.done:
                            s.done, s.finish_reason, s.finished = (
                                True,
                                "stopped",
                                time.perf_counter(),
                            )
                    break
            for s in streams:
                if not s.done:
                    s.done, s.finish_reason, s.finished = True, "length", time.perf_counter()
            return [self._answer(s, settings) for s in streams]

    def _stop_ids(self) -> list[int]:
        ids = []
        for token in ("<|im_end|>", "<|endoftext|>"):
            tid = self.tokenizer.convert_tokens_to_ids(token)
            if isinstance(tid, int) and tid != self.tokenizer.unk_token_id:
                ids.append(tid)
        return ids

    def _step(self, s: _Stream, settings: GenerationSettings, eos: set[int]) -> None:
        import torch

        if not s.started:
            s.started = time.perf_counter()
            inputs = torch.tensor([s.prompt_ids], device=self.device)
        else:
            inputs = torch.tensor([[s.ids[-1]]], device=self.device)
        with torch.no_grad(), self._state(s):
            out = self.model(input_ids=inputs, use_cache=True, **{self._cache_arg: s.cache})
        s.cache = out["cache"] if "cache" in out else out["past_key_values"]
        logits = out.logits[0, -1].float()
        if len(s.ids) < settings.min_new_tokens:
            logits[list(eos)] = float("-inf")
        token = _sample(logits, settings, s.generator)
        if not s.first_token:
            s.first_token = time.perf_counter()
        if token in eos:
            s.done, s.finish_reason, s.finished = True, "eos", time.perf_counter()
            return
        s.ids.append(token)

    def _emit(self, s: _Stream, index: int, on_token: TokenFn) -> None:
        text = self.tokenizer.decode(s.ids, skip_special_tokens=True)
        if text.endswith("\ufffd"):  # half of a multi-byte character: wait for the rest
            return
        if len(text) > len(s.text) and text.startswith(s.text):
            on_token(index, text[len(s.text) :])
            s.text = text

    def _answer(self, s: _Stream, settings: GenerationSettings) -> Answer:
        text = self.tokenizer.decode(s.ids, skip_special_tokens=True)
        adapter = None if s.side.is_base else str(Path(s.side.adapter).resolve())  # type: ignore[arg-type]
        return Answer(
            text=text,
            model=self.base,
            model_id=self.base_id,
            adapter=adapter,
            adapter_id=self._adapter_ids.get(adapter) if adapter else None,
            adapter_enabled=adapter is not None,
            label=s.side.label,
            run_id=s.side.run_id,
            step=s.side.step,
            settings=asdict(settings),
            prompt_tokens=len(s.prompt_ids),
            tokens=len(s.ids),
            first_token_s=round(s.first_token - s.started, 4) if s.first_token else 0.0,
            seconds=round(max(s.finished - s.started, 1e-9), 4),
            finish_reason=s.finish_reason,
        )


def _sample(logits: Any, settings: GenerationSettings, generator: Any) -> int:
    import torch

    if settings.temperature == 0:
        return int(torch.argmax(logits))
    probs = torch.softmax(logits / settings.temperature, dim=-1)
    if settings.top_p < 1:
        sorted_probs, order = torch.sort(probs, descending=True)
        keep = torch.cumsum(sorted_probs, dim=-1) - sorted_probs < settings.top_p
        sorted_probs = sorted_probs * keep
        choice = torch.multinomial(sorted_probs / sorted_probs.sum(), 1, generator=generator)
        return int(order[choice])
    return int(torch.multinomial(probs, 1, generator=generator))

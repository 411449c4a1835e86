"""Who answers: a model spec turned into a backend.

=========================  ==================================================================
spec                       backend
=========================  ==================================================================
``base``                   the local base model with every adapter disabled
``adapter:PATH``           the local base with that LoRA adapter
``run:RUN[:STEP]``         a run's checkpoint (latest, or STEP) on its base
``ollama:NAME[@URL]``      an Ollama server's ``/api/chat`` (URL default ``$OLLAMA_HOST``,
                           else ``http://127.0.0.1:11434``)
``openai:URL#MODEL``       any OpenAI-compatible ``/v1/chat/completions`` endpoint; the key
                           comes from ``$QUIMBOT_OPENAI_API_KEY`` or ``$OPENAI_API_KEY``
=========================  ==================================================================

Local backends share the process's one engine per base model with the Compare screen
(``engine.inference.pool``); the engine answers one request at a time, so local work runs on
one thread while HTTP backends run in parallel. Every backend reports its ``identity``: what
the cache keys on (for an adapter, the content of its weights, so a retrained adapter misses).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from engine.eval.results import Reply
from engine.inference import GenerationSettings
from engine.inference.identity import adapter_identity, model_identity
from engine.workspace import Workspace

StopFn = Callable[[], bool]


class Backend(Protocol):
    spec: str
    label: str
    local: bool
    """True for the local engine (answers serially), False for HTTP (answers in parallel)."""

    def identity(self) -> dict[str, Any]:
        """What the answers depend on, besides the conversation and the settings."""
        ...

    def answer(
        self,
        messages: Sequence[dict[str, str]],
        settings: GenerationSettings,
        *,
        timeout: float,
        should_stop: StopFn | None = None,
    ) -> Reply: ...


class LocalBackend:
    """The base model or one adapter on it, answered by the shared inference engine."""

    local = True

    def __init__(self, ws: Workspace, spec: str, *, model: str | None = None) -> None:
        from engine.compare import resolve_side

        resolved = resolve_side(ws, spec, model=model)
        self.spec = spec
        self.base = resolved.base
        self.side = resolved.side
        self.label = resolved.side.label
        self._identity: dict[str, Any] | None = None

    def identity(self) -> dict[str, Any]:
        if self._identity is None:
            adapter = self.side.adapter
            self._identity = {
                "kind": "local",
                "model": model_identity(self.base),
                "adapter": adapter_identity(adapter) if adapter is not None else None,
            }
        return self._identity

    def engine(self) -> Any:
        from engine.inference.pool import get_engine

        return get_engine(self.base)

    def answer(
        self,
        messages: Sequence[dict[str, str]],
        settings: GenerationSettings,
        *,
        timeout: float,
        should_stop: StopFn | None = None,
    ) -> Reply:
        deadline = time.monotonic() + timeout
        timed_out = False

        def stop() -> bool:
            nonlocal timed_out
            timed_out = time.monotonic() > deadline
            return timed_out or bool(should_stop and should_stop())

        try:
            [answer] = self.engine().generate(
                list(messages), [self.side], settings, should_stop=stop
            )
        except Exception as exc:  # a broken adapter or model is one result's error
            return Reply(error=f"{type(exc).__name__}: {exc}")
        reply = Reply(
            text=answer.text,
            tokens=answer.tokens,
            prompt_tokens=answer.prompt_tokens,
            seconds=answer.seconds,
            first_token_s=answer.first_token_s,
            tokens_per_s=round(answer.tokens_per_s, 2),
            finish_reason=answer.finish_reason,
            tokens_source="engine",
        )
        if answer.finish_reason == "stopped":
            reply.error = f"timeout after {timeout:g}s" if timed_out else "stopped"
        return reply


def make_backend(ws: Workspace, spec: str, *, model: str | None = None) -> Backend:
    """The backend a spec names; ValueError for a spec that cannot be used."""
    from engine.eval.http import OllamaBackend, OpenAIBackend

    spec = spec.strip()
    if spec.startswith("ollama:"):
        return OllamaBackend(spec)
    if spec.startswith("openai:"):
        return OpenAIBackend(spec)
    if not spec or spec.startswith(("http:", "https:")):
        raise ValueError(
            f"unknown model spec {spec!r}: use base, run:RUN[:STEP], adapter:PATH, "
            "ollama:NAME or openai:URL#MODEL"
        )
    try:
        return LocalBackend(ws, spec, model=model)
    except ImportError as exc:  # run specs need the training engine's run layout
        raise ValueError(f"{spec}: runs cannot be resolved here ({exc})") from exc


def spec_label(spec: str) -> str:
    """A short name for a spec in tables (before a backend is made)."""
    if spec.startswith("adapter:"):
        return Path(spec.removeprefix("adapter:")).name
    if spec.startswith("openai:"):
        return spec.partition("#")[2] or spec
    return spec

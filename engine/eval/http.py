"""HTTP backends: an Ollama server (``/api/chat``) and OpenAI-compatible endpoints.

Both stream, so latency to the first token and to the last are measured here rather than
estimated. Tokens are what the server reports (Ollama's ``eval_count``, OpenAI's ``usage``);
an OpenAI-compatible server that reports no usage has its streamed content chunks counted
(``tokens_source = "chunks"``). A refused connection, an HTTP error, a timeout or a body that
is not what the API promises becomes the result's ``error``; nothing raises, so a run goes on.
API keys come from the environment and never appear in an error, a log or a report.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from engine.eval.results import Reply
from engine.inference import GenerationSettings

KEY_ENV = ("QUIMBOT_OPENAI_API_KEY", "OPENAI_API_KEY")
DEFAULT_OLLAMA = "http://127.0.0.1:11434"


class _Failed(Exception):
    """An HTTP exchange that gave no answer; the message is the result's error."""


class _Deadline:
    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.start = time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def check(self) -> None:
        if self.elapsed() > self.timeout:
            raise _Failed(f"timeout after {self.timeout:g}s")


def _server_message(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace").strip()[:200]
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        error = error.get("message")
    return str(error or data)[:200]


def _lines(
    url: str, payload: dict[str, Any], headers: dict[str, str], deadline: _Deadline
) -> Iterator[bytes]:
    """POST JSON and yield the response's lines; failures raise _Failed with a clear reason."""
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode("utf-8"),
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "quimbot-tui", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=deadline.timeout) as response:
            for line in response:
                deadline.check()
                if line.strip():
                    yield line
    except urllib.error.HTTPError as exc:
        raise _Failed(f"HTTP {exc.code}: {_server_message(exc.read())}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, ConnectionRefusedError):
            raise _Failed(f"connection refused by {_origin(url)}") from None
        if isinstance(reason, TimeoutError):
            raise _Failed(f"timeout after {deadline.timeout:g}s") from None
        raise _Failed(f"cannot reach {_origin(url)}: {reason}") from None
    except TimeoutError:
        raise _Failed(f"timeout after {deadline.timeout:g}s") from None
    except (ConnectionError, OSError) as exc:
        raise _Failed(f"connection to {_origin(url)} failed: {type(exc).__name__}") from None


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _guard(fn: Callable[[], Reply], deadline: _Deadline, secrets: Sequence[str] = ()) -> Reply:
    try:
        return fn()
    except _Failed as exc:
        message = str(exc)
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        message = f"unexpected response: {type(exc).__name__}: {exc}"
    for secret in secrets:
        if secret:
            message = message.replace(secret, "…")
    return Reply(error=message, seconds=round(deadline.elapsed(), 4))


class OllamaBackend:
    """``ollama:NAME[@URL]``: an Ollama server's chat API, streamed."""

    local = False

    def __init__(self, spec: str) -> None:
        name, _, host = spec.removeprefix("ollama:").partition("@")
        if not name:
            raise ValueError(f"{spec}: name the model, e.g. ollama:qwen3:8b")
        self.spec = spec
        self.name = name
        self.host = (host or os.environ.get("OLLAMA_HOST") or DEFAULT_OLLAMA).rstrip("/")
        if "://" not in self.host:
            self.host = "http://" + self.host
        self.label = f"ollama:{name}"
        self._identity: dict[str, Any] | None = None

    def identity(self) -> dict[str, Any]:
        """The model's digest from ``/api/tags`` (so a re-pulled tag misses the cache)."""
        if self._identity is None:
            self._identity = {"kind": "ollama", "model": self.name, "digest": self._digest()}
        return self._identity

    def _digest(self) -> str:
        try:
            with urllib.request.urlopen(f"{self.host}/api/tags", timeout=5) as response:
                models = json.load(response).get("models", [])
        except (OSError, ValueError, AttributeError):
            return ""
        wanted = {self.name, f"{self.name}:latest"}
        for m in models:
            if isinstance(m, dict) and (m.get("name") in wanted or m.get("model") in wanted):
                return str(m.get("digest", ""))
        return ""

    def answer(
        self,
        messages: Sequence[dict[str, str]],
        settings: GenerationSettings,
        *,
        timeout: float,
        should_stop: Callable[[], bool] | None = None,
    ) -> Reply:
        deadline = _Deadline(timeout)
        payload = {
            "model": self.name,
            "messages": list(messages),
            "stream": True,
            "options": {
                "temperature": settings.temperature,
                "top_p": settings.top_p,
                "num_predict": settings.max_new_tokens,
                "seed": settings.seed,
            },
        }

        def run() -> Reply:
            parts: list[str] = []
            first: float | None = None
            final: dict[str, Any] = {}
            for line in _lines(f"{self.host}/api/chat", payload, {}, deadline):
                chunk = json.loads(line)
                if chunk.get("error"):
                    raise _Failed(f"ollama: {str(chunk['error'])[:200]}")
                text = (chunk.get("message") or {}).get("content", "")
                if text and first is None:
                    first = deadline.elapsed()
                parts.append(text)
                if chunk.get("done"):
                    final = chunk
                    break
                if should_stop is not None and should_stop():
                    raise _Failed("stopped")
            if not final:
                raise _Failed("ollama: the stream ended before done")
            seconds = deadline.elapsed()
            tokens = final.get("eval_count")
            eval_ns = final.get("eval_duration") or 0
            speed = tokens / (eval_ns / 1e9) if tokens and eval_ns else None
            if speed is None and tokens:
                speed = tokens / seconds
            return Reply(
                text="".join(parts).strip(),
                tokens=tokens,
                prompt_tokens=final.get("prompt_eval_count"),
                seconds=round(seconds, 4),
                first_token_s=round(first, 4) if first is not None else None,
                tokens_per_s=round(speed, 2) if speed else None,
                finish_reason=str(final.get("done_reason") or "stop"),
                tokens_source="server" if tokens is not None else "",
            )

        return _guard(run, deadline)


class OpenAIBackend:
    """``openai:URL#MODEL``: an OpenAI-compatible chat completions endpoint, streamed."""

    local = False

    def __init__(self, spec: str) -> None:
        url, _, model = spec.removeprefix("openai:").partition("#")
        if not url or not model:
            raise ValueError(
                f"{spec}: write openai:URL#MODEL, e.g. openai:http://host:8000/v1#qwen"
            )
        self.spec = spec
        self.model = model
        url = url.rstrip("/")
        if not url.endswith("/chat/completions"):
            url += "/chat/completions" if url.endswith("/v1") else "/v1/chat/completions"
        self.url = url
        self.label = model
        self.key_env = next((name for name in KEY_ENV if os.environ.get(name)), None)

    def identity(self) -> dict[str, Any]:
        return {"kind": "openai", "url": self.url, "model": self.model}

    def _headers(self) -> dict[str, str]:
        key = os.environ.get(self.key_env) if self.key_env else None
        return {"Authorization": f"Bearer {key}"} if key else {}

    def answer(
        self,
        messages: Sequence[dict[str, str]],
        settings: GenerationSettings,
        *,
        timeout: float,
        should_stop: Callable[[], bool] | None = None,
    ) -> Reply:
        deadline = _Deadline(timeout)
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": list(messages),
            "temperature": settings.temperature,
            "top_p": settings.top_p,
            "max_tokens": settings.max_new_tokens,
            "seed": settings.seed,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        headers = self._headers()

        def run() -> Reply:
            try:
                return self._stream(payload, headers, deadline, should_stop)
            except _Failed as exc:
                if not str(exc).startswith("HTTP 400") or "stream_options" not in str(exc):
                    raise
            # An older server that refuses stream_options: ask again without it.
            return self._stream(
                {k: v for k, v in payload.items() if k != "stream_options"},
                headers,
                deadline,
                should_stop,
            )

        secrets = [v.removeprefix("Bearer ") for v in headers.values()]
        return _guard(run, deadline, secrets)

    def _stream(
        self,
        payload: dict[str, Any],
        headers: dict[str, str],
        deadline: _Deadline,
        should_stop: Callable[[], bool] | None,
    ) -> Reply:
        parts: list[str] = []
        chunks = 0
        first: float | None = None
        finish = ""
        usage: dict[str, Any] = {}
        events = 0
        for raw in _lines(self.url, payload, headers, deadline):
            line = raw.decode("utf-8").strip()
            if not line.startswith("data:"):
                continue
            events += 1
            data = line.removeprefix("data:").strip()
            if data == "[DONE]":
                break
            chunk = json.loads(data)
            if chunk.get("error"):
                raise _Failed(f"server error: {_server_message(data.encode())}")
            usage = chunk.get("usage") or usage
            for choice in chunk.get("choices") or []:
                text = (choice.get("delta") or {}).get("content") or ""
                if text:
                    chunks += 1
                    parts.append(text)
                    if first is None:
                        first = deadline.elapsed()
                finish = choice.get("finish_reason") or finish
            if should_stop is not None and should_stop():
                raise _Failed("stopped")
        if not events:
            raise _Failed("unexpected response: not an event stream of chat completion chunks")
        seconds = deadline.elapsed()
        tokens = usage.get("completion_tokens")
        source = "server" if tokens is not None else "chunks"
        if tokens is None:
            tokens = chunks
        generating = seconds - (first or 0.0)
        return Reply(
            text="".join(parts).strip(),
            tokens=tokens,
            prompt_tokens=usage.get("prompt_tokens"),
            seconds=round(seconds, 4),
            first_token_s=round(first, 4) if first is not None else None,
            tokens_per_s=round(tokens / generating, 2) if tokens and generating > 0 else None,
            finish_reason=finish or "stop",
            tokens_source=source,
        )

"""The HTTP backends against fake Ollama and OpenAI-compatible servers on 127.0.0.1:
answers with measured speed, and every failure recorded per result while the run goes on."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.eval.backends import make_backend
from engine.eval.http import OllamaBackend, OpenAIBackend
from engine.eval.runner import EvalOptions, run_eval
from engine.inference import GenerationSettings
from engine.workspace import Workspace
from tests.eval.fakes import FakeServer, closed_port

CHAT = [{"role": "user", "content": "I go to the park yesterday."}]
SETTINGS = GenerationSettings(temperature=0.3, top_p=0.9, max_new_tokens=40, seed=7)


def test_ollama_streams_an_answer_with_server_counts(ollama: FakeServer) -> None:
    ollama.replies["tutor"] = "You went to the park? What did you do?"
    backend = OllamaBackend(f"ollama:tutor@{ollama.url}")
    reply = backend.answer(CHAT, SETTINGS, timeout=10)
    assert reply.ok and reply.text == "You went to the park? What did you do?"
    assert reply.tokens == 9 and reply.prompt_tokens == 12 and reply.tokens_source == "server"
    assert reply.tokens_per_s == pytest.approx(9 / 0.09)  # eval_count / eval_duration
    assert reply.first_token_s is not None and reply.seconds >= reply.first_token_s
    sent = ollama.requests[0]
    assert sent["model"] == "tutor" and sent["messages"] == CHAT and sent["stream"] is True
    assert sent["options"] == {"temperature": 0.3, "top_p": 0.9, "num_predict": 40, "seed": 7}
    assert backend.identity() == {"kind": "ollama", "model": "tutor", "digest": "sha256:aaaa"}


def test_ollama_host_comes_from_the_environment(
    ollama: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{ollama.port}")
    ollama.replies["tutor"] = "Hello there?"
    backend = OllamaBackend("ollama:tutor")
    assert backend.host == ollama.url
    assert backend.answer(CHAT, SETTINGS, timeout=10).text == "Hello there?"


def test_openai_streams_with_usage_and_sends_the_key_from_the_environment(
    openai: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-123")
    openai.replies["qwen"] = "Did you have fun?"
    backend = make_backend(Workspace.open(Path(".")), f"openai:{openai.url}/v1#qwen")
    assert isinstance(backend, OpenAIBackend) and backend.url == f"{openai.url}/v1/chat/completions"
    reply = backend.answer(CHAT, SETTINGS, timeout=10)
    assert reply.ok and reply.text == "Did you have fun?"
    assert reply.tokens == 5 and reply.prompt_tokens == 9 and reply.tokens_source == "server"
    assert reply.finish_reason == "stop"
    sent = openai.requests[0]
    assert (sent["model"], sent["max_tokens"], sent["temperature"], sent["seed"]) == (
        "qwen",
        40,
        0.3,
        7,
    )
    assert openai.headers[0]["Authorization"] == "Bearer sk-secret-123"


def test_openai_without_usage_counts_chunks(openai: FakeServer) -> None:
    openai.usage = False
    openai.replies["m"] = "one two three"
    reply = OpenAIBackend(f"openai:{openai.url}#m").answer(CHAT, SETTINGS, timeout=10)
    assert reply.tokens == 3 and reply.tokens_source == "chunks"


@pytest.mark.parametrize("kind", ["ollama", "openai"])
def test_failures_become_errors(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-123")
    with FakeServer(kind) as server:
        server.replies |= {"missing": "!404", "broken": "!500", "slow": "!sleep"}
        server.replies["garbage"] = "!garbage"

        def spec(model: str, url: str = server.url) -> str:
            return f"ollama:{model}@{url}" if kind == "ollama" else f"openai:{url}#{model}"

        def answer(model: str, url: str = server.url, timeout: float = 10) -> str:
            backend = make_backend(Workspace.open(Path(".")), spec(model, url))
            reply = backend.answer(CHAT, SETTINGS, timeout=timeout)
            assert not reply.ok and reply.text == ""
            assert "sk-secret" not in str(reply.error)
            return str(reply.error)

        assert answer("missing").startswith("HTTP 404: model 'missing' not found")
        assert answer("broken") == "HTTP 500: the GPU caught fire"
        assert answer("slow", timeout=0.5) == "timeout after 0.5s"
        assert answer("garbage").startswith("unexpected response")
        refused = f"http://127.0.0.1:{closed_port()}"
        assert answer("x", url=refused) == f"connection refused by {refused}"


def test_bad_specs_are_refused() -> None:
    ws = Workspace.open(Path("."))
    for spec in ("openai:http://h", "ollama:", "http://x", ""):
        with pytest.raises(ValueError):
            make_backend(ws, spec)


def test_a_run_records_each_failure_and_goes_on(
    workspace: Workspace, suite_file: Path, ollama: FakeServer, openai: FakeServer
) -> None:
    ollama.replies["good"] = "You went there? What did you see?"
    openai.replies["fine"] = "Nice! Who did you go with?"
    specs = [
        f"ollama:good@{ollama.url}",
        f"ollama:absent@{ollama.url}",
        f"openai:{openai.url}#fine",
        f"openai:http://127.0.0.1:{closed_port()}#nobody",
    ]
    progress: list[tuple[str, float, float]] = []
    run = run_eval(
        workspace,
        specs,
        str(suite_file),
        EvalOptions(workers=3, timeout=5),
        on_progress=lambda stage, done, total, message: progress.append((stage, done, total)),
    )
    assert [(r.model, r.test) for r in run.results] == [
        (m, t) for m in specs for t in ("one_turn", "two_turns")
    ]
    by_model = {m: [r.ok for r in run.of(m)] for m in specs}
    assert by_model == {
        specs[0]: [True, True],
        specs[1]: [False, False],
        specs[2]: [True, True],
        specs[3]: [False, False],
    }
    good = run.get(specs[0], "two_turns")
    assert good is not None and good.metrics["ends_with_question"] == 1.0
    assert good.metrics["recast_of_error"] == 1.0  # uses "went"
    assert progress[-1] == ("answer", 8, 8)
    assert all(r.error for r in run.failed) and len(run.failed) == 4
    assert run.labels[specs[2]] == "fine" and run.labels[specs[0]] == "ollama:good"


def test_a_stopped_run_asks_no_backend_and_records_why(
    workspace: Workspace, suite_file: Path, ollama: FakeServer
) -> None:
    ollama.replies["tutor"] = "Go on?"
    spec = f"ollama:tutor@{ollama.url}"
    run = run_eval(workspace, [spec], str(suite_file), should_stop=lambda: True)
    assert [r.error for r in run.results] == ["stopped", "stopped"] and ollama.chats == 0
    # a stop while an answer streams ends that answer too
    reply = OllamaBackend(spec).answer(CHAT, SETTINGS, timeout=10, should_stop=lambda: True)
    assert reply.error == "stopped" and ollama.chats == 1

"""The reply cache: a repeated run is answered entirely from it, a retrained adapter misses
it, and no stored entry can crash a run (every hit did in the original framework)."""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from engine.eval.cache import ReplyCache, cache_key
from engine.eval.results import EvalRun
from engine.eval.runner import EvalOptions, run_eval
from engine.inference import GenerationSettings, InferenceEngine
from engine.inference.pool import get_engine
from engine.workspace import Workspace
from store import activity as store_activity
from store import evals as store_evals
from tests.eval.conftest import place_adapter
from tests.eval.fakes import FakeServer

OPTIONS = EvalOptions(settings=GenerationSettings(max_new_tokens=10))


def _content(run: EvalRun) -> list[dict[str, Any]]:
    """The results without the flag that says where they came from."""
    return [{k: v for k, v in r.as_dict().items() if k != "cached"} for r in run.results]


def _forbid_generation(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []

    def generate(self: InferenceEngine, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        raise AssertionError("the backend was called")

    monkeypatch.setattr(InferenceEngine, "generate", generate)
    return calls


def test_a_second_identical_run_comes_from_the_cache(
    eval_ws: Workspace, suite_file: Path, ollama: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ollama.replies["tutor"] = "What did you do there?"
    pirate = f"adapter:{eval_ws.runs_dir / 'pirate/final'}"
    specs = ["base", pirate, f"ollama:tutor@{ollama.url}"]
    first = run_eval(eval_ws, specs, str(suite_file), OPTIONS)
    assert not first.failed and not any(r.cached for r in first.results)
    assert ollama.chats == 2
    calls = _forbid_generation(monkeypatch)
    second = run_eval(eval_ws, specs, str(suite_file), OPTIONS)
    assert calls == [] and ollama.chats == 2  # no backend was asked
    assert all(r.cached for r in second.results)
    assert _content(second) == _content(first)
    assert {r.response for r in first.of(pirate)} == {"Arr matey, what treasure did ye find?"}


def test_no_cache_asks_again(eval_ws: Workspace, suite_file: Path, ollama: FakeServer) -> None:
    ollama.replies["tutor"] = "Tell me more?"
    spec = f"ollama:tutor@{ollama.url}"
    run_eval(eval_ws, [spec], str(suite_file), OPTIONS)
    options = EvalOptions(settings=OPTIONS.settings, use_cache=False)
    again = run_eval(eval_ws, [spec], str(suite_file), options)
    assert ollama.chats == 4 and not any(r.cached for r in again.results)


def test_a_retrained_adapter_misses_the_cache(
    eval_ws: Workspace, suite_file: Path, tiny_models: dict[str, Path]
) -> None:
    folder = place_adapter(eval_ws, tiny_models["pirate"], "retrained")
    spec = f"adapter:{folder}"
    first = run_eval(eval_ws, ["base", spec], str(suite_file), OPTIONS)
    # Retrain in place: same folder, same name, other weights.
    shutil.copy(tiny_models["polite"] / "adapter_model.safetensors", folder)
    second = run_eval(eval_ws, ["base", spec], str(suite_file), OPTIONS)
    assert [r.cached for r in second.of("base")] == [True, True]
    assert [r.cached for r in second.of(spec)] == [False, False]
    before = {r.response for r in first.of(spec)}
    after = {r.response for r in second.of(spec)}
    assert before == {"Arr matey, what treasure did ye find?"} and after != before


def test_settings_and_suite_are_part_of_the_key() -> None:
    identity = {"kind": "local", "model": "m", "adapter": None}
    convo = [{"role": "user", "content": "hi"}]
    settings = {"temperature": 0.0, "max_new_tokens": 10}
    key = cache_key(identity, convo, settings, "s")
    assert key == cache_key(dict(identity), list(convo), dict(settings), "s")
    assert key != cache_key(identity, convo, settings | {"temperature": 0.5}, "s")
    assert key != cache_key(identity, convo, settings, "other")
    assert key != cache_key(identity | {"adapter": "x"}, convo, settings, "s")
    assert key != cache_key(identity, [{"role": "user", "content": "hi!"}], settings, "s")


def test_odd_entries_never_crash_a_run(
    workspace: Workspace, suite_file: Path, ollama: FakeServer
) -> None:
    """An entry with keys this version does not know is still a hit; unusable ones miss."""
    ollama.replies["tutor"] = "Really?"
    spec = f"ollama:tutor@{ollama.url}"
    run_eval(workspace, [spec], str(suite_file), OPTIONS)
    with workspace.db.connect() as con:
        rows = con.execute("SELECT key, reply FROM eval_cache ORDER BY key").fetchall()
        first, second = rows
        odd = json.loads(first[1]) | {"success": True, "from_the_future": [1, 2]}
        del odd["tokens_source"]
        con.execute("UPDATE eval_cache SET reply = ? WHERE key = ?", [json.dumps(odd), first[0]])
    for broken in ("[1, 2]", '{"text": 5}', '{"text": "x", "seconds": "slow"}', '{"nope": 1}'):
        with workspace.db.connect() as con:
            con.execute("UPDATE eval_cache SET reply = ? WHERE key = ?", [broken, second[0]])
        run = run_eval(workspace, [spec], str(suite_file), OPTIONS)
        assert not run.failed
        assert sorted(r.cached for r in run.results) == [False, True]
    assert ollama.chats == 2 + 4


def test_errors_are_not_cached(workspace: Workspace, suite_file: Path, ollama: FakeServer) -> None:
    spec = f"ollama:flaky@{ollama.url}"
    ollama.replies["flaky"] = "!500"
    assert len(run_eval(workspace, [spec], str(suite_file), OPTIONS).failed) == 2
    ollama.replies["flaky"] = "Better now?"
    run = run_eval(workspace, [spec], str(suite_file), OPTIONS)
    assert not run.failed and not any(r.cached for r in run.results)
    assert ReplyCache(workspace).clear() == 2


def test_runs_are_stored_logged_and_notified(
    workspace: Workspace, suite_file: Path, ollama: FakeServer
) -> None:
    with FakeServer("openai") as hook:
        workspace.update_settings(webhooks=[{"url": f"{hook.url}/hook", "kind": "json"}])
        ollama.replies["tutor"] = "And then?"
        run = run_eval(workspace, [f"ollama:tutor@{ollama.url}"], str(suite_file), OPTIONS)
        deadline = time.monotonic() + 20
        while not hook.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        assert hook.requests and hook.requests[0]["event"] == "eval.finished"
        assert hook.requests[0]["fields"]["suite"] == "mini"
    with workspace.db.connect() as con:
        stored = store_evals.get_run(con)
        entries = [a for a in store_activity.recent(con) if a["action"] == "eval"]
    assert stored is not None and stored["id"] == run.id
    assert EvalRun.from_dict(stored).as_dict() == run.as_dict()
    assert len(entries) == 1 and entries[0]["subject"] == "mini"
    assert entries[0]["detail"]["results"] == 2 and entries[0]["detail"]["run_id"] == run.id


def test_eval_shares_the_engine_with_compare_without_deadlock(
    eval_ws: Workspace, suite_file: Path
) -> None:
    """An eval in one thread and a Compare-style answer in another, on one loaded engine."""
    engine = get_engine(eval_ws.models_dir / "tiny")
    done: list[EvalRun] = []
    thread = threading.Thread(
        target=lambda: done.append(run_eval(eval_ws, ["base"], str(suite_file), OPTIONS))
    )
    thread.start()
    from engine.inference import Side

    answers = engine.generate(
        [{"role": "user", "content": "Hi"}], [Side()], GenerationSettings(max_new_tokens=5)
    )
    thread.join(timeout=300)
    assert not thread.is_alive() and done and not done[0].failed
    assert answers[0].tokens <= 5
    assert get_engine(eval_ws.models_dir / "tiny") is engine and engine.model is not None

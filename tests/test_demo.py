"""The demo workspace: sources, rejects, a model that loads and answers, sample topics."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

import engine
from engine.demo import DEMO_MODEL, reset_demo
from engine.importers import import_file
from engine.workspace import Workspace
from store import records as store_records
from store import topics as store_topics

TOPIC_SCHEMA = Path(engine.__file__).parent / "schemas" / "topic_record.schema.json"


def test_demo_has_several_sources_and_shows_rejects(demo_workspace: Workspace) -> None:
    info = demo_workspace.demo_info()
    assert info is not None
    with demo_workspace.db.connect() as con:
        stats = {s.source: s.records for s in store_records.source_stats(con)}
        reasons = dict(store_records.reject_counts(con))
    assert set(stats) == {
        "toefl-synth",
        "pilot-synth",
        "lmsys-esl",
        "magpie-writing",
        "prosocial-support",
    }
    assert sum(stats.values()) == sum(s["accepted"] for s in info["sources"])
    assert reasons == {
        "invalid_json": 1,
        "empty_content": 1,
        "too_few_messages": 1,
        "bad_role": 1,
        "not_an_object": 1,
    }
    assert not demo_workspace.needs_demo()


def test_demo_model_loads_and_generates(demo_workspace: Workspace) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = demo_workspace.models_dir / DEMO_MODEL
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path)
    assert type(model).__name__ == "Qwen3ForCausalLM"
    text = tok.apply_chat_template(
        [{"role": "user", "content": "Hi"}], tokenize=False, add_generation_prompt=True
    )
    assert text == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    enc = tok.apply_chat_template(
        [{"role": "user", "content": "I go to school yesterday."}],
        add_generation_prompt=True,
        return_tensors="pt",
        return_dict=True,
    )
    out = model.generate(**enc, max_new_tokens=5, do_sample=False)
    assert out.shape[1] == enc["input_ids"].shape[1] + 5 or tok.eos_token_id in out[0].tolist()
    meta = json.loads((path / "quimbot_model.json").read_text())
    assert meta["pretrain_steps"] == len(meta["losses"]) > 0


def test_sample_topics_are_valid_topic_records(demo_workspace: Workspace) -> None:
    schema = json.loads(TOPIC_SCHEMA.read_text())
    with demo_workspace.db.connect() as con:
        queue = store_topics.queue(con)
    assert len(queue) >= 5
    for topic in queue:
        jsonschema.validate(topic["record"], schema)


def test_reset_removes_only_what_the_demo_added(demo_workspace: Workspace, tmp_path: Path) -> None:
    own = tmp_path / "mine.jsonl"
    own.write_text(json.dumps({"context": "my own question", "response": "my answer"}) + "\n")
    import_file(demo_workspace.db, own, source="mine")
    (demo_workspace.models_dir / "my-model").mkdir()
    reset_demo(demo_workspace)
    with demo_workspace.db.connect() as con:
        stats = {s.source: s.records for s in store_records.source_stats(con)}
        assert store_topics.queue(con) == []
        assert dict(store_records.reject_counts(con)) == {}
    assert stats == {"mine": 1}
    assert not (demo_workspace.models_dir / DEMO_MODEL).exists()
    assert (demo_workspace.models_dir / "my-model").exists()
    assert demo_workspace.demo_info() is None

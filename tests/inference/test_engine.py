"""The inference engine against plain transformers and peft, on a tiny model (greedy)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.inference import GenerationSettings, InferenceEngine, Side, adapter_identity

PROMPT = [{"role": "user", "content": "I go to the zoo yesterday."}]
GREEDY = GenerationSettings(max_new_tokens=16)


def reference_ids(base: Path, adapter: Path | None, max_new: int = 16) -> list[int]:
    """Greedy tokens from a clean load: the base alone, or PeftModel.from_pretrained."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(base)
    model = AutoModelForCausalLM.from_pretrained(base)
    if adapter is not None:
        model = PeftModel.from_pretrained(model, adapter)
    model.eval()
    enc = tok.apply_chat_template(
        PROMPT, add_generation_prompt=True, return_tensors="pt", return_dict=True
    )
    with torch.no_grad():
        out = model.generate(**enc, max_new_tokens=max_new, do_sample=False)
    ids = out[0, enc["input_ids"].shape[1] :].tolist()
    return [i for i in ids if i != tok.eos_token_id]


def test_base_side_equals_a_clean_base_load(tiny_models) -> None:
    engine = InferenceEngine(tiny_models["base"])
    engine.attach(tiny_models["pirate"])  # an adapter is attached, but the base side ignores it
    [answer] = engine.generate(PROMPT, [Side()], GREEDY)
    expected = reference_ids(tiny_models["base"], None)
    assert engine.tokenizer.encode(answer.text, add_special_tokens=False) == expected or (
        answer.text == engine.tokenizer.decode(expected, skip_special_tokens=True)
    )
    assert answer.adapter is None and answer.adapter_enabled is False


def test_adapter_side_equals_peft_from_pretrained(tiny_models) -> None:
    engine = InferenceEngine(tiny_models["base"])
    pirate, polite = tiny_models["pirate"], tiny_models["polite"]
    answers = engine.generate(PROMPT, [Side(pirate, "pirate"), Side(polite, "polite")], GREEDY)
    for answer, folder in zip(answers, (pirate, polite), strict=True):
        expected = reference_ids(tiny_models["base"], folder)
        assert answer.text == engine.tokenizer.decode(expected, skip_special_tokens=True)
        assert answer.adapter_enabled and answer.adapter == str(folder.resolve())
        assert answer.adapter_id == adapter_identity(folder)
    assert answers[0].text != answers[1].text
    assert "matey" in answers[0].text.lower() or "arr" in answers[0].text.lower()


def test_one_copy_of_the_base_weights_is_held(tiny_models) -> None:
    engine = InferenceEngine(tiny_models["base"])
    engine.load()

    def base_storages() -> dict[str, int]:
        return {
            n.removeprefix("base_model.model."): p.untyped_storage().data_ptr()
            for n, p in engine.model.named_parameters()
            if "lora_" not in n
        }

    before = base_storages()
    base_bytes = sum(p.numel() * p.element_size() for p in engine.model.parameters())
    engine.attach(tiny_models["pirate"])
    engine.attach(tiny_models["polite"])
    engine.generate(
        PROMPT,
        [Side(), Side(tiny_models["pirate"]), Side(tiny_models["polite"])],
        GenerationSettings(max_new_tokens=4),
    )
    after = base_storages()
    assert set(after.values()) == set(before.values())  # the same storage, not a copy
    lora_bytes = sum(
        p.numel() * p.element_size() for n, p in engine.model.named_parameters() if "lora_" in n
    )
    total = sum(p.numel() * p.element_size() for p in engine.model.parameters())
    assert total == base_bytes + lora_bytes  # the base once, plus two small adapters


def test_streaming_interleaves_sides_and_matches_the_answers(tiny_models) -> None:
    engine = InferenceEngine(tiny_models["base"])
    seen: list[tuple[int, str]] = []
    answers = engine.generate(
        PROMPT,
        [Side(), Side(tiny_models["pirate"])],
        GREEDY,
        on_token=lambda i, text: seen.append((i, text)),
    )
    for index, answer in enumerate(answers):
        assert "".join(t for i, t in seen if i == index) == answer.text
    order = [i for i, _ in seen]
    assert order[:4].count(0) >= 1 and order[:4].count(1) >= 1  # both columns move at once
    for answer in answers:
        assert (
            answer.tokens > 0 and answer.seconds > 0 and answer.finish_reason in ("eos", "length")
        )
        assert answer.settings["max_new_tokens"] == 16


def test_stop_ends_every_stream(tiny_models) -> None:
    engine = InferenceEngine(tiny_models["base"])
    calls = 0

    def stop() -> bool:
        nonlocal calls
        calls += 1
        return calls > 2

    answers = engine.generate(
        PROMPT,
        [Side(), Side(tiny_models["pirate"])],
        GenerationSettings(max_new_tokens=50),
        should_stop=stop,
    )
    assert all(a.finish_reason in ("stopped", "eos") for a in answers)
    assert all(a.tokens <= 3 for a in answers)


def test_sampling_is_reproducible_for_a_seed(tiny_models) -> None:
    engine = InferenceEngine(tiny_models["base"])
    hot = GenerationSettings(temperature=1.5, top_p=0.9, max_new_tokens=12, seed=7)
    a = engine.generate(PROMPT, [Side()], hot)[0].text
    b = engine.generate(PROMPT, [Side()], hot)[0].text
    c = engine.generate(
        PROMPT, [Side()], GenerationSettings(temperature=1.5, max_new_tokens=12, seed=8)
    )[0].text
    assert a == b
    assert a != c or a == ""


def test_an_adapter_retrained_in_place_is_reloaded(tiny_models, tmp_path: Path) -> None:
    folder = tmp_path / "adapter"
    shutil.copytree(tiny_models["pirate"], folder)
    engine = InferenceEngine(tiny_models["base"])
    first = engine.generate(PROMPT, [Side(folder)], GREEDY)[0]
    for name in ("adapter_config.json", "adapter_model.safetensors"):
        shutil.copy(tiny_models["polite"] / name, folder / name)
    second = engine.generate(PROMPT, [Side(folder)], GREEDY)[0]
    assert first.adapter_id != second.adapter_id
    assert second.text == engine.generate(PROMPT, [Side(tiny_models["polite"])], GREEDY)[0].text


def test_bad_settings_are_refused(tiny_models) -> None:
    engine = InferenceEngine(tiny_models["base"])
    with pytest.raises(ValueError, match="top_p"):
        engine.generate(PROMPT, [Side()], GenerationSettings(top_p=0))


def test_min_new_tokens_holds_back_the_end_of_turn(tiny_models) -> None:
    engine = InferenceEngine(tiny_models["base"])
    [free] = engine.generate(PROMPT, [Side()], GenerationSettings(max_new_tokens=40))
    [held] = engine.generate(
        PROMPT, [Side()], GenerationSettings(max_new_tokens=40, min_new_tokens=40)
    )
    assert free.finish_reason == "eos" and free.tokens < 40
    assert held.tokens == 40 and held.finish_reason == "length"

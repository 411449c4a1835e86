"""The scaffolding-dialogue generator."""

from __future__ import annotations

import re

import pytest

from engine.records import dedup_key, normalise_messages, roles_in_order
from engine.synth import SynthOptions, generate
from engine.synth.bank import FRAMES

EXPLICIT = re.compile(r"\b(wrong|incorrect|mistake|error|should be|correct form)\b", re.I)


def test_deterministic_for_a_seed() -> None:
    a = generate(SynthOptions(count=50, seed=7))
    b = generate(SynthOptions(count=50, seed=7))
    c = generate(SynthOptions(count=50, seed=8))
    assert [d.messages for d in a] == [d.messages for d in b]
    assert [d.messages for d in a] != [d.messages for d in c]


def test_dialogues_are_valid_distinct_and_end_on_the_tutor() -> None:
    dialogues = generate(SynthOptions(count=400, seed=1))
    assert len(dialogues) == 400
    keys = {dedup_key(d.messages) for d in dialogues}
    assert len(keys) == 400
    for d in dialogues:
        messages = normalise_messages(d.messages)
        assert messages[-1]["role"] == "assistant"
        assert roles_in_order(messages)
        assert len([m for m in messages if m["role"] != "system"]) in (2, 4, 6)
        assert d.error_pattern != d.correct_form


def test_tutor_never_corrects_explicitly() -> None:
    for d in generate(SynthOptions(count=600, seed=3)):
        for m in d.messages:
            if m["role"] == "assistant":
                # "mistake" may appear when the learner's own story is about one.
                text = m["content"].replace("made a mistake", "").replace("a big mistake", "")
                assert not EXPLICIT.search(text), m["content"]


def test_first_tutor_turn_asks_or_recasts() -> None:
    for d in generate(SynthOptions(count=300, seed=4)):
        tutor = next(m["content"] for m in d.messages if m["role"] == "assistant")
        assert "?" in tutor


def test_options_select_what_is_generated() -> None:
    dialogues = generate(
        SynthOptions(
            count=40,
            seed=2,
            l1_backgrounds=["Korean"],
            levels=["advanced"],
            error_types=["past_tense"],
        )
    )
    assert {d.l1_background for d in dialogues} == {"Korean"}
    assert {d.proficiency for d in dialogues} == {"advanced"}
    assert {d.error_type for d in dialogues} == {"past_tense"}


def test_excluded_keys_are_not_produced_again() -> None:
    first = generate(SynthOptions(count=100, seed=9))
    again = generate(
        SynthOptions(count=100, seed=9), exclude={dedup_key(d.messages) for d in first}
    )
    assert not {dedup_key(d.messages) for d in first} & {dedup_key(d.messages) for d in again}


def test_unknown_options_are_named() -> None:
    with pytest.raises(ValueError, match="unknown level expert"):
        generate(SynthOptions(levels=["expert"]))
    with pytest.raises(ValueError, match="unknown error type"):
        generate(SynthOptions(error_types=["spelling"]))


def test_bank_frames_have_one_error_site_and_paired_answers() -> None:
    for frame in FRAMES:
        assert frame.learner.count("[") == 1 and ">" in frame.learner
        assert len(frame.follow) == len(frame.answers) >= 2

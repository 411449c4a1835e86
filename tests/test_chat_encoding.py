"""Loss masking through the chat template: prompt tokens carry no loss."""

from __future__ import annotations

import pytest

from engine.chat_encoding import IGNORE, TemplateError, encode_chat
from engine.tinymodel import CHAT_TEMPLATE, train_tokenizer

CONVO = [
    {"role": "system", "content": "Be a kind tutor."},
    {"role": "user", "content": "I go to school yesterday."},
    {"role": "assistant", "content": "You went to school yesterday? What did you learn?"},
    {"role": "user", "content": "We learn about volcanoes."},
    {"role": "assistant", "content": "Volcanoes! Which one would you like to visit?"},
]
SPAN_TEMPLATE = CHAT_TEMPLATE.replace("{%- generation -%}", "").replace("{%- endgeneration -%}", "")


@pytest.fixture(scope="module")
def tokenizer():
    texts = [m["content"] for m in CONVO] * 20 + ["assistant user system"] * 5
    return train_tokenizer(texts, vocab_size=400)


def trained_text(tokenizer, enc) -> str:
    return tokenizer.decode(
        [t for t, label in zip(enc.input_ids, enc.labels, strict=True) if label != IGNORE]
    )


@pytest.mark.parametrize("template", [CHAT_TEMPLATE, SPAN_TEMPLATE], ids=["markers", "spans"])
def test_last_turn_only(tokenizer, template) -> None:
    tokenizer.chat_template = template
    enc = encode_chat(tokenizer, CONVO, train_on="last")
    assert trained_text(tokenizer, enc).startswith(CONVO[-1]["content"])
    assert "You went" not in trained_text(tokenizer, enc)
    assert "volcanoes" not in trained_text(tokenizer, enc)  # the user's turn


@pytest.mark.parametrize("template", [CHAT_TEMPLATE, SPAN_TEMPLATE], ids=["markers", "spans"])
def test_all_assistant_turns(tokenizer, template) -> None:
    tokenizer.chat_template = template
    enc = encode_chat(tokenizer, CONVO, train_on="all")
    text = trained_text(tokenizer, enc)
    assert CONVO[2]["content"] in text and CONVO[4]["content"] in text
    for m in CONVO:
        if m["role"] != "assistant":
            assert m["content"] not in text
    assert "<|im_start|>" not in text and "assistant\n" not in text
    # The end-of-turn token trains, so the model learns to stop.
    assert text.count("<|im_end|>") == 2


def test_both_ways_agree_on_the_tokens(tokenizer) -> None:
    tokenizer.chat_template = CHAT_TEMPLATE
    markers = encode_chat(tokenizer, CONVO, train_on="all")
    tokenizer.chat_template = SPAN_TEMPLATE
    spans = encode_chat(tokenizer, CONVO, train_on="all")
    assert markers.input_ids == spans.input_ids
    assert markers.labels == spans.labels


def test_a_record_ending_on_the_user_trains_nothing_on_last(tokenizer) -> None:
    tokenizer.chat_template = CHAT_TEMPLATE
    enc = encode_chat(tokenizer, CONVO[:-1], train_on="last")
    assert enc.trained == 0


def test_a_template_that_is_not_prefix_stable_is_refused(tokenizer) -> None:
    tokenizer.chat_template = (
        "{%- for m in messages -%}{{ m['role'] }}:{{ m['content'] }}|{%- endfor -%}"
        "{%- if add_generation_prompt -%}assistant says:{%- endif -%}"
    )
    with pytest.raises(TemplateError, match="generation"):
        encode_chat(tokenizer, CONVO)

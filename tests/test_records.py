"""The canonical record: normalisation, the dedup keys, flags."""

from __future__ import annotations

import hashlib
import json

import pytest

from engine.records import (
    Flag,
    Reason,
    RecordError,
    dedup_key,
    first_user_md5,
    normalise_messages,
    record_stats,
)


def original_key(messages: list[dict[str, str]]) -> str:
    """The rule as the original build_stage1_mix.py states it."""
    norm = [{"role": m["role"], "content": m["content"].strip()} for m in messages]
    text = json.dumps(norm, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@pytest.mark.parametrize(
    "messages",
    [
        [
            {"role": "user", "content": "I go to Italy last year."},
            {"role": "assistant", "content": "Italy! What city did you visit first?"},
        ],
        [
            {"role": "system", "content": "Be kind."},
            {"role": "user", "content": "  ¿Qué tal?  "},
            {"role": "assistant", "content": 'Très bien — 谢谢 "quoted"\n\ttab'},
        ],
        [
            {"role": "user", "content": "emoji 😀 and \\ backslash"},
            {"role": "assistant", "content": "ok", "name": "extra key dropped"},
        ],
    ],
)
def test_dedup_key_is_the_original_rule(messages: list[dict[str, str]]) -> None:
    assert dedup_key(normalise_messages(messages)) == original_key(messages)


def test_dedup_key_known_value() -> None:
    messages = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]
    payload = '[{"content": "Hi", "role": "user"}, {"content": "Hello!", "role": "assistant"}]'
    assert dedup_key(messages) == hashlib.sha256(payload.encode()).hexdigest()


def test_dedup_key_is_sensitive_to_order_case_and_inner_space() -> None:
    a = [{"role": "user", "content": "Hi there"}, {"role": "assistant", "content": "Yes"}]
    b = [{"role": "user", "content": "hi there"}, {"role": "assistant", "content": "Yes"}]
    c = [{"role": "user", "content": "Hi  there"}, {"role": "assistant", "content": "Yes"}]
    assert len({dedup_key(a), dedup_key(b), dedup_key(c)}) == 3


def test_first_user_md5_lowercases_and_strips() -> None:
    m = [
        {"role": "system", "content": "x"},
        {"role": "user", "content": "  Hello World "},
        {"role": "assistant", "content": "y"},
    ]
    assert first_user_md5(m) == hashlib.md5(b"hello world").hexdigest()


@pytest.mark.parametrize(
    ("messages", "reason"),
    [
        ("text", Reason.NO_MESSAGES),
        ([{"role": "user", "content": "a"}, "b"], Reason.BAD_MESSAGE),
        (
            [{"role": "human", "content": "a"}, {"role": "assistant", "content": "b"}],
            Reason.BAD_ROLE,
        ),
        (
            [{"role": "user", "content": "a"}, {"role": "assistant", "content": "   "}],
            Reason.EMPTY_CONTENT,
        ),
        (
            [{"role": "user", "content": "a"}, {"role": "assistant", "content": None}],
            Reason.EMPTY_CONTENT,
        ),
        ([{"role": "assistant", "content": "a"}], Reason.TOO_FEW_MESSAGES),
        (
            [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}],
            Reason.NO_ASSISTANT_TURN,
        ),
    ],
)
def test_rejections_carry_their_reason(messages: object, reason: str) -> None:
    with pytest.raises(RecordError) as info:
        normalise_messages(messages)
    assert info.value.reason == reason


def test_stats_and_flags() -> None:
    m = normalise_messages(
        [
            {"role": "system", "content": "s"},
            {"role": "user", "content": "hello"},
            {"role": "assistant", "content": "hi"},
            {"role": "user", "content": "bye"},
        ]
    )
    stats = record_stats(m)
    assert (stats.turns, stats.chars, stats.first_user, stats.last_role) == (4, 11, "hello", "user")
    assert Flag.LAST_NOT_ASSISTANT in stats.flags and Flag.HAS_SYSTEM in stats.flags
    assert Flag.ROLE_ORDER not in stats.flags
    out_of_order = normalise_messages(
        [
            {"role": "assistant", "content": "a"},
            {"role": "user", "content": "b"},
            {"role": "assistant", "content": "c"},
        ]
    )
    assert Flag.ROLE_ORDER in record_stats(out_of_order).flags

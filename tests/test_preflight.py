"""Preflight finds the records that would not train as intended, and only those."""

from __future__ import annotations

from pathlib import Path

from engine import preflight as pf

GOOD = [
    {"role": "user", "content": "I go to school yesterday."},
    {"role": "assistant", "content": "You went to school yesterday? What did you learn?"},
]


def test_structural_checks_without_a_tokenizer() -> None:
    records = [
        (1, GOOD),
        (2, [*GOOD, {"role": "user", "content": "Yes."}]),
        (3, [{"role": "assistant", "content": "Hi"}, {"role": "user", "content": "x"}]),
        (4, [{"role": "user", "content": "  "}, {"role": "assistant", "content": "ok"}]),
        (5, "not a list"),
    ]
    report = pf.preflight(records)
    kinds = {(f.key, f.kind) for f in report.findings}
    assert report.checked == 5
    assert (2, pf.LAST_NOT_ASSISTANT) in kinds
    assert (3, pf.LAST_NOT_ASSISTANT) in kinds and (3, pf.ROLE_ORDER) in kinds
    assert (4, pf.EMPTY_CONTENT) in kinds
    assert (5, pf.BAD_RECORD) in kinds
    assert 1 not in report.failing
    assert report.failing == {2, 3, 4, 5}


def test_over_length_against_the_tokenizer(tiny_models: dict[str, Path]) -> None:
    from transformers import AutoTokenizer

    from engine.chat_encoding import encode_chat

    tok = AutoTokenizer.from_pretrained(tiny_models["base"])
    long = [GOOD[0], {"role": "assistant", "content": "What did you do there? " * 40}]
    length = encode_chat(tok, GOOD).length
    report = pf.preflight([("short", GOOD), ("long", long)], tokenizer=tok, max_length=length)
    assert report.failing == {"long"}
    (finding,) = report.findings
    assert finding.kind == pf.OVER_LENGTH
    assert finding.tokens is not None and finding.tokens > length
    assert report.max_tokens == finding.tokens
    lines = pf.summary_lines(report)
    assert "over_length: 1" in "\n".join(lines)

"""Preflight: will a record train as intended? Checked before a run's first step and by
``quimbot-tui data check``.

The original lost a run at step 2250 to one 33,459-token record and silently skipped every
record whose last turn was the learner's. Here each record is checked for:

- ``over_length``: its tokens through the model's chat template exceed ``max_length``;
- ``last_not_assistant``: the last turn is not the assistant's, so nothing would train;
- ``role_order``: roles do not alternate user/assistant after an optional first system turn;
- ``empty_content``: a turn has no text;
- ``no_trained_tokens``: the chat template leaves no assistant token to learn from;
- ``bad_record``: not a message list of role/content objects at all.

The same function serves the CLI, the Data screen and the trainer, so a record that passes here
trains there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.records import roles_in_order

OVER_LENGTH = "over_length"
LAST_NOT_ASSISTANT = "last_not_assistant"
ROLE_ORDER = "role_order"
EMPTY_CONTENT = "empty_content"
NO_TRAINED_TOKENS = "no_trained_tokens"
BAD_RECORD = "bad_record"
KINDS = (OVER_LENGTH, LAST_NOT_ASSISTANT, ROLE_ORDER, EMPTY_CONTENT, NO_TRAINED_TOKENS, BAD_RECORD)


@dataclass(frozen=True)
class Finding:
    """One problem with one record."""

    key: Hashable
    """Which record: a record id, a line number, whatever the caller passed."""
    kind: str
    detail: str
    tokens: int | None = None


@dataclass
class PreflightReport:
    checked: int = 0
    findings: list[Finding] = field(default_factory=list)
    max_tokens: int = 0
    """The longest record seen, in tokens (0 without a tokenizer)."""

    @property
    def failing(self) -> set[Hashable]:
        """Keys of the records with at least one finding (the ones to exclude)."""
        return {f.key for f in self.findings}

    def counts(self) -> dict[str, int]:
        return dict(Counter(f.kind for f in self.findings))

    @property
    def ok(self) -> bool:
        return not self.findings


def check_messages(
    messages: Any,
    *,
    tokenizer: Any = None,
    max_length: int | None = None,
    train_on: str = "last",
) -> tuple[list[tuple[str, str]], int | None]:
    """``([(kind, detail), ...], tokens)`` for one message list; tokens is None without a
    tokenizer or when the record cannot be rendered."""
    if not isinstance(messages, list) or not messages:
        return [(BAD_RECORD, "messages is not a non-empty list")], None
    problems: list[tuple[str, str]] = []
    for index, m in enumerate(messages):
        if not isinstance(m, dict) or not isinstance(m.get("role"), str):
            return [(BAD_RECORD, f"message {index} is not a role/content object")], None
        content = m.get("content")
        if not isinstance(content, str) or not content.strip():
            problems.append((EMPTY_CONTENT, f"message {index} ({m['role']}) is empty"))
    if messages[-1].get("role") != "assistant":
        problems.append((LAST_NOT_ASSISTANT, f"the last turn is the {messages[-1].get('role')}'s"))
    if not roles_in_order(messages):
        roles = " ".join(str(m.get("role")) for m in messages)
        problems.append((ROLE_ORDER, f"roles are {roles}"))
    if tokenizer is None or any(k in (EMPTY_CONTENT,) for k, _ in problems):
        return problems, None
    from engine.chat_encoding import TemplateError, encode_chat

    chat = [{"role": m["role"], "content": m["content"]} for m in messages]
    try:
        encoded = encode_chat(tokenizer, chat, train_on=train_on)  # type: ignore[arg-type]
    except TemplateError as exc:
        return [*problems, (NO_TRAINED_TOKENS, str(exc))], None
    if max_length is not None and encoded.length > max_length:
        problems.append((OVER_LENGTH, f"{encoded.length:,} tokens > max_length {max_length:,}"))
    if encoded.trained == 0 and not any(k == LAST_NOT_ASSISTANT for k, _ in problems):
        problems.append((NO_TRAINED_TOKENS, "no assistant token carries loss"))
    return problems, encoded.length


def preflight(
    records: Iterable[tuple[Hashable, Any]],
    *,
    tokenizer: Any = None,
    max_length: int | None = None,
    train_on: str = "last",
    on_progress: Callable[[int], None] | None = None,
    every: int = 1000,
) -> PreflightReport:
    """Check ``(key, messages)`` pairs; ``on_progress(checked)`` every ``every`` records."""
    report = PreflightReport()
    for key, messages in records:
        problems, tokens = check_messages(
            messages, tokenizer=tokenizer, max_length=max_length, train_on=train_on
        )
        report.checked += 1
        if tokens is not None:
            report.max_tokens = max(report.max_tokens, tokens)
        report.findings.extend(Finding(key, kind, detail, tokens) for kind, detail in problems)
        if on_progress is not None and report.checked % every == 0:
            on_progress(report.checked)
    if on_progress is not None:
        on_progress(report.checked)
    return report


def summary_lines(report: PreflightReport, limit: int = 20) -> Sequence[str]:
    """Human-readable lines: counts per kind, then the first ``limit`` findings."""
    lines = [f"checked {report.checked:,} records: {len(report.failing):,} with problems"]
    for kind, n in sorted(report.counts().items()):
        lines.append(f"  {kind}: {n:,}")
    for f in report.findings[:limit]:
        lines.append(f"  {f.key}: {f.kind}: {f.detail}")
    if len(report.findings) > limit:
        lines.append(f"  ... and {len(report.findings) - limit:,} more")
    return lines

"""A programmatic generator of scaffolding dialogues.

A learner utterance carries one typed error (from the error bank, weighted by the learner's
first language); the tutor answers the way the scaffolding taxonomy asks: a recast, a
confirmation check, a choice between two forms, a hint, a reflective question, or
encouragement, never an explicit correction. Dialogues have 2, 4 or 6 messages and always end
on the tutor. Output is deterministic for a seed and deduplicated (by the record hash) within
the batch and against any keys passed in, such as the workspace's.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.records import dedup_key
from engine.synth.bank import (
    ACKS,
    CLOSING_QUESTIONS,
    CLOSINGS,
    ERROR_TYPES,
    FRAMES,
    HESITATIONS,
    HINTS,
    L1_PROFILES,
    LEVELS,
    REASSURANCES,
    REFLECT,
    REPLIES,
    SCENARIOS,
    STRATEGIES,
    Frame,
)

L1_BACKGROUNDS: tuple[str, ...] = tuple(L1_PROFILES)
LEVEL_STRATEGIES: dict[str, tuple[str, ...]] = {
    "beginner": ("recast", "recast", "confirm", "encourage", "encourage", "hint"),
    "intermediate": ("recast", "confirm", "choice", "hint", "hint", "reflect"),
    "advanced": ("recast", "choice", "hint", "reflect", "reflect"),
}
SYSTEM_PROMPT = (
    "You are a warm English conversation partner for {level} learner whose first language "
    "is {l1}. Keep the conversation going with questions. When the learner makes a mistake, "
    "recast it, ask, or give a hint; do not correct explicitly."
)

_CHOICE = re.compile(r"\{([^{}]*\|[^{}]*)\}")
_SITE = re.compile(r"\[([^\[\]>]+)>([^\[\]]+)\]")


@dataclass
class SynthOptions:
    """What to generate. Empty selections mean everything the bank has."""

    count: int = 100
    seed: int = 42
    l1_backgrounds: Sequence[str] = ()
    levels: Sequence[str] = ()
    error_types: Sequence[str] = ()
    scenarios: Sequence[str] = ()
    lengths: Sequence[int] = (2, 4, 6)
    system_prompt_rate: float = 0.2

    def validate(self) -> None:
        for name, chosen, known in (
            ("L1 background", self.l1_backgrounds, L1_BACKGROUNDS),
            ("level", self.levels, LEVELS),
            ("error type", self.error_types, ERROR_TYPES),
            ("scenario", self.scenarios, SCENARIOS),
        ):
            unknown = sorted(set(chosen) - set(known))
            if unknown:
                raise ValueError(f"unknown {name} {', '.join(unknown)}; known: {', '.join(known)}")
        if not set(self.lengths) <= {2, 4, 6}:
            raise ValueError("dialogue lengths must be among 2, 4 and 6 messages")
        if self.count < 0:
            raise ValueError("count must not be negative")
        if not self.frames():
            raise ValueError("no frame in the bank matches these error types and scenarios")

    def frames(self) -> list[Frame]:
        return [
            f
            for f in FRAMES
            if (not self.error_types or f.error_type in self.error_types)
            and (not self.scenarios or f.scenario in self.scenarios)
        ]


@dataclass
class Dialogue:
    """One generated dialogue with its labels."""

    messages: list[dict[str, str]]
    l1_background: str
    proficiency: str
    error_type: str
    error_pattern: str
    correct_form: str
    scenario: str
    strategy: str
    extra: dict[str, Any] = field(default_factory=dict)

    def scaffolding_record(self) -> dict[str, Any]:
        """The original's scaffolding-record shape (labels plus messages)."""
        return {
            "l1_background": self.l1_background,
            "proficiency": self.proficiency,
            "error_type": self.error_type,
            "error_pattern": self.error_pattern,
            "correct_form": self.correct_form,
            "scenario": self.scenario,
            "strategy": self.strategy,
            "messages": self.messages,
        }


@dataclass(frozen=True)
class Realised:
    wrong: str
    right: str
    bad: str
    fix: str
    slots: tuple[str, ...]


def realise(frame: Frame, rng: random.Random) -> Realised:
    """Fill a frame's choices; return the wrong and right sentences."""
    slots: list[str] = []

    def pick(match: re.Match[str]) -> str:
        value = rng.choice(match.group(1).split("|"))
        slots.append(value)
        return value

    text = _CHOICE.sub(pick, frame.learner)
    site = _SITE.search(text)
    if site is None:
        raise ValueError(f"frame without an error site: {frame.learner}")
    bad, fix = site.groups()
    wrong = text[: site.start()] + bad + text[site.end() :]
    right = text[: site.start()] + fix + text[site.end() :]
    return Realised(wrong=wrong, right=right, bad=bad, fix=fix, slots=tuple(slots))


def _fill(template: str, r: Realised) -> str:
    return template.format(*r.slots, bad=r.bad, fix=r.fix, right=r.right, wrong=r.wrong)


def _with_article(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if not text.startswith("I ") else text


def dialogue(
    frame: Frame, rng: random.Random, *, l1: str, level: str, length: int, strategy: str
) -> Dialogue:
    """Build one dialogue of ``length`` messages from a frame."""
    r = realise(frame, rng)
    order = list(range(len(frame.follow)))
    rng.shuffle(order)
    follow = [_fill(frame.follow[i], r) for i in order]
    answers = [_fill(frame.answers[i], r) for i in order]
    recast = _fill(frame.recast, r)
    ack = rng.choice(ACKS)

    learner_first = r.wrong
    if strategy == "recast":
        tutor_first = f"{recast} {follow[0]}"
        learner_second = answers[0]
    elif strategy == "encourage":
        learner_first = f"{rng.choice(HESITATIONS)} {r.wrong}"
        tutor_first = f"{rng.choice(REASSURANCES)} {recast} {follow[0]}"
        learner_second = answers[0]
    elif strategy == "confirm":
        echo = re.split(r"(?<=[.!?])\s+", recast)[0].rstrip(".!?")
        echo = re.sub(r"^(Oh( no)?|Ah),\s*", "", echo)
        tutor_first = f"Just to check I understand: {_lower_first(echo)}?"
        learner_second = f"Yes! {r.right}"
    elif strategy == "choice":
        pair = [f'"{r.wrong}"', f'"{r.right}"']
        rng.shuffle(pair)
        tutor_first = (
            f"I think I understand! Which sounds more natural to you: {pair[0]} or {pair[1]}?"
        )
        learner_second = f'I think "{r.right}"'
    elif strategy == "hint":
        tutor_first = _fill(rng.choice(HINTS[frame.error_type]), r)
        learner_second = f"Oh! {r.right}"
    elif strategy == "reflect":
        tutor_first = f"{recast} Here's a question for you: {REFLECT[frame.error_type]}"
        learner_second = f"Hmm, maybe I should say: {r.right}"
    else:
        raise ValueError(f"unknown strategy {strategy!r}; known: {', '.join(STRATEGIES)}")

    messages = [
        {"role": "user", "content": learner_first},
        {"role": "assistant", "content": tutor_first},
    ]
    if length >= 4:
        messages.append({"role": "user", "content": learner_second})
        if strategy in ("recast", "encourage"):
            reply = rng.choice(REPLIES)
            messages.append({"role": "assistant", "content": f"{reply} {follow[1]}"})
            next_answer = answers[1]
        else:
            messages.append({"role": "assistant", "content": f"{ack} {follow[0]}"})
            next_answer = answers[0]
    if length >= 6:
        messages.append({"role": "user", "content": next_answer})
        messages.append(
            {
                "role": "assistant",
                "content": f"{rng.choice(CLOSINGS)} {rng.choice(CLOSING_QUESTIONS)}",
            }
        )
    return Dialogue(
        messages=messages,
        l1_background=l1,
        proficiency=level,
        error_type=frame.error_type,
        error_pattern=r.wrong,
        correct_form=r.right,
        scenario=frame.scenario,
        strategy=strategy,
    )


def _pick_frame(frames: list[Frame], l1: str, rng: random.Random) -> Frame:
    typical = [f for f in frames if f.error_type in L1_PROFILES[l1]]
    if typical and rng.random() < 0.75:
        return rng.choice(typical)
    return rng.choice(frames)


def generate(
    options: SynthOptions,
    *,
    exclude: Collection[str] = (),
    on_progress: Callable[[int, int], None] | None = None,
) -> list[Dialogue]:
    """Generate up to ``options.count`` distinct dialogues.

    ``exclude`` holds dedup keys (see :func:`engine.records.dedup_key`) that must not be
    produced again, such as those already in the workspace. Generation stops early when the
    bank cannot produce more distinct dialogues for the chosen options.
    """
    options.validate()
    rng = random.Random(options.seed)
    frames = options.frames()
    l1s = list(options.l1_backgrounds or L1_BACKGROUNDS)
    levels = list(options.levels or LEVELS)
    seen = set(exclude)
    out: list[Dialogue] = []
    misses = 0
    while len(out) < options.count and misses < 2000 + 20 * options.count:
        l1 = rng.choice(l1s)
        level = rng.choice(levels)
        frame = _pick_frame(frames, l1, rng)
        strategy = rng.choice(LEVEL_STRATEGIES[level])
        length = rng.choice(list(options.lengths))
        d = dialogue(frame, rng, l1=l1, level=level, length=length, strategy=strategy)
        if rng.random() < options.system_prompt_rate:
            d.messages.insert(
                0,
                {
                    "role": "system",
                    "content": SYSTEM_PROMPT.format(level=_with_article(level), l1=l1),
                },
            )
        key = dedup_key(d.messages)
        if key in seen:
            misses += 1
            continue
        seen.add(key)
        out.append(d)
        if on_progress is not None and len(out) % 100 == 0:
            on_progress(len(out), options.count)
    if on_progress is not None:
        on_progress(len(out), options.count)
    return out

"""Metrics on one answer: the original framework's 13, and the registry that holds them all.

Every metric takes an :class:`Item` (the answer and what it answered) and returns a number, a
dict with a ``total`` (``personal_pronouns``), or None when it does not apply to the item
(``recast_of_error`` on a test that names no error). The original 13 keep the original
definitions exactly (``reference``: "What do you think" counts once as inquiry and once as the
imperative "think"; ``lexical_diversity`` can exceed 1 because the two counts tokenise
differently). The language-learning metrics live in :mod:`engine.eval.pedagogy` and register
here too. Tokens per second and latency are measurements of the backend, not metrics.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

MetricValue = int | float | dict[str, int] | None


@dataclass(frozen=True)
class Item:
    """An answer and the test it answered: everything a metric may look at."""

    response: str
    conversation: tuple[Mapping[str, str], ...] = ()
    error: str = ""
    """The learner's erroneous words in the last turn (from the test)."""
    correction: str = ""
    """The corrected form (from the test)."""
    answer: str = ""
    """The solution a tutor should lead the learner to rather than reveal (from the test)."""
    language: str = "en"
    """The target language the learner practises."""

    @property
    def last_user(self) -> str:
        for message in reversed(self.conversation):
            if message.get("role") == "user":
                return message.get("content", "")
        return ""


@dataclass(frozen=True)
class Metric:
    name: str
    group: str
    description: str
    fn: Callable[[Item], MetricValue] = field(repr=False)
    better: str = ""
    """``higher``, ``lower`` or empty (descriptive only): how a tutor should move it."""

    def __call__(self, item: Item) -> MetricValue:
        return self.fn(item)


METRICS: dict[str, Metric] = {}


def metric(name: str, group: str, description: str, better: str = "") -> Callable[..., Any]:
    """Register a metric function under ``name``."""

    def register(fn: Callable[[Item], MetricValue]) -> Callable[[Item], MetricValue]:
        METRICS[name] = Metric(name, group, description, fn, better)
        return fn

    return register


def numeric(value: MetricValue) -> float | None:
    """The number a metric value stands for in averages (a dict's ``total``)."""
    if value is None:
        return None
    if isinstance(value, dict):
        return float(value.get("total", 0))
    return float(value)


def compute(item: Item, names: Iterable[str] | None = None) -> dict[str, MetricValue]:
    """The named metrics (all when None) on one item, by name in registry order.

    A metric that raises gives None rather than losing the result (as in the original).
    """
    wanted = list(METRICS) if names is None else [n for n in METRICS if n in set(names)]
    out: dict[str, MetricValue] = {}
    for name in wanted:
        try:
            out[name] = METRICS[name](item)
        except Exception:
            out[name] = None
    return out


def check_names(names: Iterable[str]) -> list[str]:
    """The names, or ValueError naming those that are not metrics."""
    names = list(names)
    unknown = [n for n in names if n not in METRICS]
    if unknown:
        raise ValueError(
            f"unknown metric(s) {', '.join(unknown)}; known: {', '.join(sorted(METRICS))}"
        )
    return names


# -- the original 13 ---------------------------------------------------------------------------


def _count(patterns: Iterable[str], text: str) -> int:
    return sum(len(re.findall(p, text, flags=re.IGNORECASE)) for p in patterns)


def _words(text: str) -> list[str]:
    return text.split()


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"[.!?]+", text) if s.strip()]


@metric("response_length", "basic", "characters in the answer")
def response_length(item: Item) -> int:
    return len(item.response)


@metric("word_count", "basic", "whitespace-separated words")
def word_count(item: Item) -> int:
    return len(_words(item.response))


@metric("sentence_count", "basic", "pieces between runs of . ! ? that are not blank")
def sentence_count(item: Item) -> int:
    return len(_sentences(item.response))


@metric("question_count", "pedagogical", "question marks", better="higher")
def question_count(item: Item) -> int:
    return item.response.count("?")


@metric("question_ratio", "pedagogical", "questions per sentence", better="higher")
def question_ratio(item: Item) -> float:
    sentences = sentence_count(item)
    return question_count(item) / sentences if sentences else 0.0


IMPERATIVES = ("Consider", "Try", "Think", "Let's", "Imagine", "Suppose", "Start", "Look")


@metric(
    "imperative_count",
    "pedagogical",
    "whole-word prompts to act anywhere: consider, try, think, let's, imagine, suppose, "
    "start, look",
)
def imperative_count(item: Item) -> int:
    return _count((rf"\b{re.escape(w)}\b" for w in IMPERATIVES), item.response)


INQUIRY = (
    r"What do you (think|know|remember)",
    r"Can you (tell|explain|describe)",
    r"How (would|do|did) you",
    r"Why (do|did|would) you",
    r"Have you (considered|thought|tried)",
)


@metric(
    "inquiry_markers",
    "pedagogical",
    "questions that ask the learner to think: what do you think, can you explain, ...",
    better="higher",
)
def inquiry_markers(item: Item) -> int:
    return _count(INQUIRY, item.response)


COLLABORATIVE: tuple[str, ...] = (r"\bLet's\b", r"\bWe can\b", r"\bWe might\b")
COLLABORATIVE += (r"\bWe could\b", r"\bTogether\b", r"\bYou and I\b")


@metric(
    "collaborative_markers",
    "dialogue",
    "let's, we can, we might, we could, together, you and I",
    better="higher",
)
def collaborative_markers(item: Item) -> int:
    return _count(COLLABORATIVE, item.response)


FIRST_PERSON = ("I", "me", "my", "mine", "we", "us", "our", "ours")
SECOND_PERSON = ("you", "your", "yours")


@metric("personal_pronouns", "dialogue", "first and second person pronouns, and their total")
def personal_pronouns(item: Item) -> dict[str, int]:
    first = _count((rf"\b{w}\b" for w in FIRST_PERSON), item.response)
    second = _count((rf"\b{w}\b" for w in SECOND_PERSON), item.response)
    return {"first_person": first, "second_person": second, "total": first + second}


HEDGES: tuple[str, ...] = (r"\bmight\b", r"\bperhaps\b", r"\bpossibly\b", r"\bmaybe\b")
HEDGES += (r"\bit seems\b", r"\bappears to\b", r"\bcould be\b")


@metric("hedging_phrases", "dialogue", "might, perhaps, possibly, maybe, it seems, ...")
def hedging_phrases(item: Item) -> int:
    return _count(HEDGES, item.response)


@metric("avg_sentence_length", "complexity", "words per sentence")
def avg_sentence_length(item: Item) -> float:
    sentences = sentence_count(item)
    return word_count(item) / sentences if sentences else 0.0


@metric("unique_words", "complexity", "distinct lower-cased \\w+ tokens")
def unique_words(item: Item) -> int:
    return len({w.lower() for w in re.findall(r"\w+", item.response)})


@metric(
    "lexical_diversity",
    "complexity",
    "unique words / words (the counts tokenise differently, so it can exceed 1)",
)
def lexical_diversity(item: Item) -> float:
    words = word_count(item)
    return unique_words(item) / words if words else 0.0


ORIGINAL = tuple(METRICS)
"""The original framework's 13 metrics, in its order."""

# The language-learning metrics register themselves on import.
from engine.eval import pedagogy as _pedagogy  # noqa: E402,F401

DEFAULT = (
    "word_count",
    "question_count",
    "question_ratio",
    "inquiry_markers",
    "ends_with_question",
    "explicit_correction",
    "recast_of_error",
    "answer_withheld",
    "tutor_talk_ratio",
    "target_language_ratio",
    "readability_grade",
)
"""What ``quimbot-tui eval`` computes without --metrics or --all-metrics (plus the suite's
key metrics)."""

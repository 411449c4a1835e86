"""Judging: a model rates answers on MRBench-style dimensions; people rate the same items.

The rubric (``configs/eval/rubrics/mrbench.toml``) lists dimensions with a question and
three labels, best first, and a score per label. A judge is any backend spec; it is asked
for one JSON object with a label per dimension, and its verdicts are cached like answers.
Published replications find 7B judges biased (they rate LLM tutors far more kindly than
human gold labels), so agreement with human ratings is always reported next to the judge's
scores: Cohen's kappa per dimension over the items both rated.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from engine.configfile import ConfigError, build, read_toml
from engine.eval.results import EvalResult
from engine.inference import GenerationSettings
from engine.workspace import configs_dir

JUDGE_SETTINGS = GenerationSettings(temperature=0.0, max_new_tokens=200, seed=0)
SYSTEM = (
    "You are an expert rater of tutoring dialogues. You answer with one JSON object and "
    "nothing else."
)
SYNONYMS = {
    "to_some_extent": ("some", "somewhat", "partially", "partly", "partial", "to_an_extent"),
    "yes": ("true",),
    "no": ("false", "none"),
}


@dataclass
class Dimension:
    name: str
    question: str
    labels: list[str]
    """Three labels, best first."""
    scores: list[float]
    """The score of each label, in the same order."""

    def score(self, label: str) -> float | None:
        return self.scores[self.labels.index(label)] if label in self.labels else None


@dataclass
class Rubric:
    name: str
    dimensions: list[Dimension]
    instructions: str = ""
    path: Path | None = field(default=None, repr=False)

    def dimension(self, name: str) -> Dimension:
        for d in self.dimensions:
            if d.name == name:
                return d
        raise KeyError(name)

    @property
    def scores(self) -> dict[str, dict[str, float]]:
        """dimension -> label -> score, for summaries."""
        return {d.name: dict(zip(d.labels, d.scores, strict=True)) for d in self.dimensions}


def load_rubric(path: Path | None = None) -> Rubric:
    path = path or configs_dir() / "eval" / "rubrics" / "mrbench.toml"
    rubric = build(Rubric, read_toml(path), str(path))
    for d in rubric.dimensions:
        if len(d.labels) != len(d.scores) or len(d.labels) < 2:
            raise ConfigError(f"{path}: {d.name} needs as many scores as labels (at least 2)")
    rubric.path = path
    return rubric


def _transcript(conversation: Sequence[Mapping[str, str]]) -> str:
    names = {"user": "Learner", "assistant": "Tutor", "system": "Tutor's instructions"}
    return "\n".join(f"{names.get(m['role'], m['role'])}: {m['content']}" for m in conversation)


def judge_messages(result: EvalResult, rubric: Rubric) -> list[dict[str, str]]:
    """The conversation that asks the judge for its verdict on one answer."""
    questions = "\n".join(
        f"- {d.name}: {d.question} ({' | '.join(d.labels)})" for d in rubric.dimensions
    )
    shape = json.dumps({d.name: d.labels[0] for d in rubric.dimensions})
    prompt = (
        f"{rubric.instructions}\n\nConversation so far:\n{_transcript(result.conversation)}"
        f"\n\nTutor's response to rate:\n<<<\n{result.response}\n>>>\n\n"
        f"Dimensions:\n{questions}\n\nAnswer with one JSON object with exactly these keys, "
        f"each set to one of its labels, for example:\n{shape}"
    )
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": prompt}]


def _normalise(label: object) -> str:
    text = re.sub(r"[\s\-]+", "_", str(label).strip().lower()).strip("_.")
    for canonical, words in SYNONYMS.items():
        if text in words:
            return canonical
    return text


def parse_verdict(text: str, rubric: Rubric) -> tuple[dict[str, str], str | None]:
    """The labels a judge's answer gives (only valid ones), and an error when none were."""
    start, end = text.find("{"), text.rfind("}")
    data: dict[str, object] = {}
    if start != -1 and end > start:
        try:
            loaded = json.loads(text[start : end + 1])
            data = loaded if isinstance(loaded, dict) else {}
        except ValueError:
            data = {}
    if not data:  # "dimension: label" lines
        for line in text.splitlines():
            name, sep, value = line.partition(":")
            if sep:
                data[_normalise(name)] = value
    labels = {}
    for d in rubric.dimensions:
        if d.name in data:
            label = _normalise(data[d.name])
            if label in d.labels:
                labels[d.name] = label
    if not labels:
        return {}, f"the judge's answer has no valid labels: {text.strip()[:120]!r}"
    return labels, None


# -- agreement ------------------------------------------------------------------------------


def cohen_kappa(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Cohen's kappa of two raters over the same items; None when it is undefined (no
    items, or both raters always gave one and the same label)."""
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(a == b for a, b in pairs) / n
    first = Counter(a for a, _ in pairs)
    second = Counter(b for _, b in pairs)
    expected = sum(first[c] * second[c] for c in first.keys() | second.keys()) / (n * n)
    if expected >= 1:
        return None
    return (observed - expected) / (1 - expected)


@dataclass(frozen=True)
class Agreement:
    """Judge against people on one dimension."""

    items: int
    observed: float | None
    """The share of items where both gave the same label."""
    kappa: float | None

    def text(self) -> str:
        if not self.items:
            return "no human ratings"
        kappa = f"κ {self.kappa:.2f}" if self.kappa is not None else "κ n/a"
        observed = self.observed if self.observed is not None else 0.0
        return f"{kappa}, {observed:.0%} agree, n {self.items}"


def agreement(
    results: Iterable[EvalResult], human: Mapping[str, Mapping[str, str]], rubric: Rubric
) -> dict[str, Agreement]:
    """Per dimension, the judge's labels against the human ones on the items both rated."""
    results = list(results)
    out = {}
    for d in rubric.dimensions:
        pairs = [
            (r.judge[d.name], human[r.key][d.name])
            for r in results
            if d.name in r.judge and d.name in human.get(r.key, {})
        ]
        observed = sum(a == b for a, b in pairs) / len(pairs) if pairs else None
        out[d.name] = Agreement(len(pairs), observed, cohen_kappa(pairs))
    return out

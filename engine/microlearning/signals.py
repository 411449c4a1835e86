"""What a topic's text says: keywords, risk flags, a title fingerprint, a cleaned-up fact."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping

_STOP_TEXT = """
    about above after again against all also and any are aren't because been before being
    both but can can't could did didn't does doesn't doing don't down during each either
    every few for from had has have having her here hers him his how into isn't it's its
    just like may might more most much not now off once only other others our ours out over
    own same she should since some such than that the their them then these this those
    through under until upon very was wasn't were weren't what when where which while who
    whom why will with without would yet your yours
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())
"""Words a keyword is never made of (the original scraper's idea, its ~90-word size)."""

_STRIP = ".,!?()[]{}\"'“”‘’«»"
TITLE_PREFIXES = re.compile(
    r"^\s*(?:\[[^\]]{1,12}\]\s*)*(?:til(?:\s+that)?|eli5|ysk|lpt|psa|til:)\s*[:\-–]?\s+",
    re.IGNORECASE,
)


def keywords(title: str, limit: int = 8) -> list[str]:
    """Lowercased title words longer than two characters that are not stop words, in order:
    the rule of the original scraper/ingest.py."""
    out = []
    for raw in title.lower().split():
        word = raw.strip(_STRIP)
        if len(word) > 2 and word not in STOP_WORDS:
            out.append(word)
        if len(out) == limit:
            break
    return out


def _pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    alternatives = sorted({w.lower().strip() for w in words if w.strip()}, key=len, reverse=True)
    if not alternatives:
        return None
    body = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in alternatives)
    return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", re.IGNORECASE)


class RiskMatcher:
    """Risk flags by whole-word (and whole-phrase) matches, in the schema's vocabulary.

    Whole words, unlike the original's substring test, so "buyer" does not flag
    finance_advice; a phrase like "stock market" still does (through "stock").
    """

    def __init__(self, keywords_by_flag: Mapping[str, Iterable[str]]) -> None:
        self.patterns = {
            flag: pattern
            for flag, words in keywords_by_flag.items()
            if (pattern := _pattern(words)) is not None
        }

    def flags(self, *texts: str, over_18: bool = False) -> list[str]:
        text = "\n".join(t for t in texts if t)
        found = [flag for flag, pattern in self.patterns.items() if pattern.search(text)]
        if over_18 and "adult" not in found:
            found.append("adult")
        return sorted(found)


LEGACY_FLAGS = {
    "medical": "medical_claim",
    "finance": "finance_advice",
    "politics": "politics",
    "adult": "adult",
}
"""scraper/ingest.py's flag names -> the schema's."""


def schema_flags(flags: Iterable[str]) -> list[str]:
    """Map flags from either original scraper to the schema's vocabulary (``other`` if
    unknown), without duplicates."""
    from engine.microlearning.config import RISK_FLAGS

    out: list[str] = []
    for flag in flags:
        name = flag if flag in RISK_FLAGS else LEGACY_FLAGS.get(flag, "other")
        if name not in out:
            out.append(name)
    return out


def fingerprint(title: str) -> str:
    """The same story under another post: the sorted set of its content words, hashed."""
    words = sorted(
        {w for w in (raw.strip(_STRIP) for raw in title.lower().split()) if len(w) > 2}
        - STOP_WORDS
        - {"til", "eli5", "ysk", "lpt", "psa"}
    )
    return hashlib.sha1(" ".join(words).encode("utf-8")).hexdigest()[:16]


def clean_title(title: str) -> str:
    """The title without its TIL/ELI5/YSK/LPT prefix, first letter capitalised."""
    text = " ".join(title.split())
    text = TITLE_PREFIXES.sub("", text, count=1).strip()
    return text[:1].upper() + text[1:] if text else title.strip()


def first_sentence(text: str, limit: int = 160) -> str:
    """The first sentence, shortened at a word boundary to ``limit`` characters."""
    match = re.search(r"(?<=[.!?])\s+(?=[A-Z0-9\"“])", text)
    sentence = text[: match.start()] if match else text
    return shorten(sentence, limit)


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters: cut at a clause (comma, semicolon) if one ends late
    enough, else at a word, and mark the cut with an ellipsis."""
    text = text.strip()
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    clause = max(head.rfind(", "), head.rfind("; "), head.rfind(" – "))
    cut = head[:clause] if clause >= limit * 0.6 else head.rsplit(" ", 1)[0]
    return cut.rstrip(",;:-– ") + "…"


def rest_after_first_sentence(text: str, limit: int = 200) -> str:
    """What follows the first sentence (shortened), or an empty string."""
    match = re.search(r"(?<=[.!?])\s+(?=[A-Z0-9\"“])", text)
    return shorten(text[match.end() :], limit) if match else ""

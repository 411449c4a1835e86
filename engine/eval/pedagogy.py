"""Language-learning metrics: how a tutor answers a learner, not only how long it talks.

Second-language-acquisition research tells corrective feedback apart by strategy: a *recast*
uses the corrected form in a natural reply ("You went to the beach? Who did you go with?"),
*explicit correction* names the error ("The correct form is 'went'"), *metalinguistic*
feedback talks about the grammar ("use the past tense"). The suites' language-learning tests
name the learner's error and its correction, so these metrics can check which one a reply
used. Each metric is a heuristic over the text, defined exactly below and tested on
hand-made cases; None means "does not apply to this test".
"""

from __future__ import annotations

import re
import unicodedata

from engine.eval.metrics import Item, _count, _sentences, metric

# -- questions and correction strategies -----------------------------------------------------

TRAILING = " \t\r\n\"'”’»)]*_`~"


@metric(
    "ends_with_question",
    "pedagogical",
    "1 when the answer's last character (after closing quotes and brackets) is a question "
    "mark, else 0: the turn is handed back to the learner",
    better="higher",
)
def ends_with_question(item: Item) -> float:
    return 1.0 if item.response.rstrip(TRAILING).endswith(("?", "？")) else 0.0


EXPLICIT = (
    r"\bthe (correct|right|proper) (form|word|way|verb|tense|phrase|sentence|spelling)"
    r"( to say it| here)? (is|would be)\b",
    r"\b(you|we) (should|would|could) say\b",
    r"\bit should be\b",
    r"\binstead of\b[^.!?\n]{0,40}\b(say|use|write)\b",
    r"\b(you|we) (don't|do not|can't|cannot) say\b",
    r"\b(a|one|small|little|tiny|your|common|the) (grammar |grammatical )?(mistake|error)s?\b",
    r"\bcorrect(ion|ed)?\s*:",
    r"\b(is|was|that's|that is) (not correct|incorrect|wrong)\b",
)


@metric(
    "explicit_correction",
    "feedback",
    "phrases that correct explicitly: 'the correct form is', 'you should say', 'it should "
    "be', 'instead of X, say', 'a small mistake', 'correction:', 'is incorrect'",
    better="lower",
)
def explicit_correction(item: Item) -> int:
    return _count(EXPLICIT, item.response)


def _phrase(text: str) -> str:
    """A whole-phrase, case-insensitive pattern for a suite's error or correction text."""
    words = [re.escape(w) for w in text.split()]
    return r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)"


@metric(
    "recast_of_error",
    "feedback",
    "1 when the answer uses the test's corrected form (whole words, any case) without "
    "explicit correction phrases, else 0; None when the test names no correction",
    better="higher",
)
def recast_of_error(item: Item) -> float | None:
    if not item.correction.strip():
        return None
    used = re.search(_phrase(item.correction), item.response, flags=re.IGNORECASE)
    return 1.0 if used and explicit_correction(item) == 0 else 0.0


@metric(
    "error_repeated",
    "feedback",
    "1 when the learner's erroneous words appear in the answer outside any use of the "
    "corrected form (the tutor echoed the error), else 0; None when the test names no error",
    better="lower",
)
def error_repeated(item: Item) -> float | None:
    if not item.error.strip():
        return None
    text = item.response
    if item.correction.strip():
        text = re.sub(_phrase(item.correction), " ", text, flags=re.IGNORECASE)
    return 1.0 if re.search(_phrase(item.error), text, flags=re.IGNORECASE) else 0.0


METALINGUISTIC = (
    "tense",
    "tenses",
    "verb",
    "verbs",
    "noun",
    "nouns",
    "plural",
    "singular",
    "article",
    "articles",
    "preposition",
    "prepositions",
    "grammar",
    "grammatical",
    "gerund",
    "infinitive",
    "comparative",
    "uncountable",
    "countable",
    "conjugation",
    "adjective",
    "adverb",
    "pronoun",
    "participle",
    "auxiliary",
    "subject-verb",
)


@metric(
    "metalinguistic_terms",
    "feedback",
    "grammar terms (tense, verb, plural, article, preposition, gerund, ...), whole words",
)
def metalinguistic_terms(item: Item) -> int:
    return _count((rf"(?<![\w-]){re.escape(w)}(?![\w-])" for w in METALINGUISTIC), item.response)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


@metric(
    "answer_withheld",
    "pedagogical",
    "1 when the test's solution does not appear in the answer (compared lower-cased with "
    "all whitespace removed, so 'x = 6' matches 'x=6'), else 0; None when the test names "
    "no solution",
    better="higher",
)
def answer_withheld(item: Item) -> float | None:
    if not item.answer.strip():
        return None
    return 0.0 if _squash(item.answer) in _squash(item.response) else 1.0


ENCOURAGEMENT = (
    r"\bgreat\b",
    r"\bgood (job|question|point|try|thinking|idea|start)\b",
    r"\bwell done\b",
    r"\bnice\b",
    r"\bexcellent\b",
    r"\bexactly\b",
    r"\bwonderful\b",
    r"\bawesome\b",
    r"\b(that's|you're) (right|correct)\b",
    r"\bkeep (it up|going)\b",
)


@metric(
    "encouragement_markers",
    "dialogue",
    "great, good job/question/try, well done, nice, excellent, exactly, that's right, ...",
    better="higher",
)
def encouragement_markers(item: Item) -> int:
    return _count(ENCOURAGEMENT, item.response)


@metric(
    "tutor_talk_ratio",
    "dialogue",
    "words in the answer / words in the learner's last turn; None when that turn is empty",
    better="lower",
)
def tutor_talk_ratio(item: Item) -> float | None:
    learner = len(item.last_user.split())
    return len(item.response.split()) / learner if learner else None


# -- target language -----------------------------------------------------------------------


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": _set(
        "the a an and or but is are was were be been to of in on at for with you i he she it "
        "we they this that what how why do does did have has not my your can will would there "
        "here from by as so if then me him her them our their very yes no hello hi thanks "
        "please"
    ),
    "es": _set(
        "el la los las un una y o pero es son está estás estoy de del en con por para que qué "
        "cómo como yo tú usted él ella nosotros muy sí hola gracias bien mi tu su lo le se"
        ""
    ),
    "fr": _set(
        "le la les un une et ou mais est sont je tu il elle nous vous ils de du des en dans "
        "avec que qui quoi comment très oui non bonjour merci mon ton au aux ce cette pas ne "
        "suis es"
    ),
    "de": _set(
        "der das ein eine und oder aber ist sind ich du sie es wir ihr mit für von zu auf "
        "nicht wie warum sehr ja nein hallo danke bitte mein dein auch"
    ),
}
LANGUAGES = tuple(FUNCTION_WORDS)


def _latin(word: str) -> bool:
    for ch in word:
        try:
            if not unicodedata.name(ch).startswith("LATIN"):
                return False
        except ValueError:
            return False
    return True


def _foreign(word: str, language: str) -> bool:
    if not _latin(word):  # every supported target language is written in Latin script
        return True
    if word in FUNCTION_WORDS[language]:
        return False
    return any(word in words for lang, words in FUNCTION_WORDS.items() if lang != language)


@metric(
    "target_language_ratio",
    "language",
    "share of words that are not marked as another language: a word is foreign when it is "
    "in a non-Latin script, or a common word of another supported language (en, es, fr, "
    "de) and not of the target; None for an answer without words",
    better="higher",
)
def target_language_ratio(item: Item) -> float | None:
    language = item.language if item.language in FUNCTION_WORDS else "en"
    words = [w.lower() for w in re.findall(r"[^\W\d_]+", item.response)]
    if not words:
        return None
    foreign = sum(_foreign(w, language) for w in words)
    return 1 - foreign / len(words)


# -- readability ------------------------------------------------------------------------------


def syllables(word: str) -> int:
    """English syllables by vowel groups, less a silent final e, -ed or -es (at least 1)."""
    w = re.sub(r"[^a-z]", "", word.lower())
    if not w:
        return 0
    count = len(re.findall(r"[aeiouy]+", w))
    if count > 1 and (
        (w.endswith("e") and not w.endswith(("le", "ee")))
        or (w.endswith("ed") and not w.endswith(("ted", "ded")))
        or (w.endswith("es") and not re.search(r"(s|x|z|ch|sh|ce|ge)es$", w))
    ):
        count -= 1
    return max(count, 1)


def _readability(text: str) -> tuple[int, int, int]:
    """(words, sentences, syllables) of the English words in ``text``."""
    words = re.findall(r"[A-Za-z]+(?:'[A-Za-z]+)?", text)
    sentences = max(len(_sentences(text)), 1)
    return len(words), sentences, sum(syllables(w) for w in words)


@metric(
    "flesch_reading_ease",
    "readability",
    "206.835 - 1.015 * words/sentence - 84.6 * syllables/word (higher is easier; 60-80 is "
    "plain English); None for an answer without words",
)
def flesch_reading_ease(item: Item) -> float | None:
    words, sentences, syl = _readability(item.response)
    if not words:
        return None
    return 206.835 - 1.015 * words / sentences - 84.6 * syl / words


@metric(
    "readability_grade",
    "readability",
    "Flesch-Kincaid grade: 0.39 * words/sentence + 11.8 * syllables/word - 15.59 (the US "
    "school year that can read it); None for an answer without words",
    better="lower",
)
def readability_grade(item: Item) -> float | None:
    words, sentences, syl = _readability(item.response)
    if not words:
        return None
    return 0.39 * words / sentences + 11.8 * syl / words - 15.59

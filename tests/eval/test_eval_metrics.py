"""The metrics: the original 13 on the original's worked example, the new ones on hand-made
cases with values worked out by hand."""

from __future__ import annotations

import pytest

from engine.eval.metrics import DEFAULT, METRICS, ORIGINAL, Item, Metric, compute, numeric
from engine.eval.pedagogy import syllables

WORKED = "Let's think. What do you think? Maybe we could try it! Perhaps you and I can."


def test_the_worked_example_gives_the_original_values_for_all_13() -> None:
    values = compute(Item(WORKED), ORIGINAL)
    assert values == {
        "response_length": 77,
        "word_count": 16,
        "sentence_count": 4,
        "question_count": 1,
        "question_ratio": 0.25,
        "imperative_count": 4,
        "inquiry_markers": 1,
        "collaborative_markers": 3,
        "personal_pronouns": {"first_person": 2, "second_person": 2, "total": 4},
        "hedging_phrases": 2,
        "avg_sentence_length": 4.0,
        "unique_words": 15,
        "lexical_diversity": 0.9375,
    }
    assert list(values) == list(ORIGINAL)


def test_original_quirks_are_kept() -> None:
    # the two counts tokenise differently ({don, t, won} / 2 words), so diversity exceeds 1
    assert compute(Item("don't won't"), ["lexical_diversity"]) == {"lexical_diversity": 1.5}
    # "think" inside "What do you think" is an imperative too
    assert compute(Item("What do you think?"), ["imperative_count", "inquiry_markers"]) == {
        "imperative_count": 1,
        "inquiry_markers": 1,
    }
    empty = compute(Item(""), ["question_ratio", "avg_sentence_length", "lexical_diversity"])
    assert empty == {"question_ratio": 0.0, "avg_sentence_length": 0.0, "lexical_diversity": 0.0}


def test_there_are_at_least_15_real_metrics_and_speed_is_not_one() -> None:
    assert len(ORIGINAL) == 13
    assert len(METRICS) >= 15 + 6
    assert "tokens_per_sec" not in METRICS and "tokens_per_s" not in METRICS
    assert set(DEFAULT) <= set(METRICS)
    for m in METRICS.values():
        assert m.description and m.better in ("", "higher", "lower")


@pytest.mark.parametrize(
    ("response", "value"),
    [
        ("What did you do?", 1.0),
        ("Tell me more.", 0.0),
        ('She asked "why?"', 1.0),
        ("Really? Tell me more.", 0.0),
        ("", 0.0),
    ],
)
def test_ends_with_question(response: str, value: float) -> None:
    assert METRICS["ends_with_question"](Item(response)) == value


@pytest.mark.parametrize(
    ("response", "count"),
    [
        ("The correct form is 'went'.", 1),
        ("You should say 'went'. It should be 'went', not 'go'.", 2),
        ("Small mistake here, but well done.", 1),
        ("Instead of 'go', say 'went'.", 1),
        ("Correction: I went to the zoo.", 1),
        ("You went to the zoo? Who did you go with?", 0),
    ],
)
def test_explicit_correction(response: str, count: int) -> None:
    assert METRICS["explicit_correction"](Item(response)) == count


@pytest.mark.parametrize(
    ("response", "correction", "value"),
    [
        ("You went to the zoo? What did you see?", "went", 1.0),
        ("Went to the zoo, did you?", "went", 1.0),
        ("The correct form is went. What did you see?", "went", 0.0),  # explicit, not a recast
        ("You go to the zoo? Fun!", "went", 0.0),
        ("Wentworth is a town.", "went", 0.0),  # whole words only
        ("Oh, you are an engineer now?", "an engineer", 1.0),
        ("An   Engineer! Congratulations.", "an engineer", 1.0),
        ("Engineering is hard.", "an engineer", 0.0),
        ("Anything here.", "", None),  # the test names no correction
    ],
)
def test_recast_of_error(response: str, correction: str, value: float | None) -> None:
    assert METRICS["recast_of_error"](Item(response, correction=correction)) == value


@pytest.mark.parametrize(
    ("response", "error", "correction", "value"),
    [
        ("You go to the zoo yesterday?", "go", "went", 1.0),
        ("You went to the zoo?", "go", "went", 0.0),
        ("You are an engineer!", "engineer", "an engineer", 0.0),
        ("Engineer life is busy.", "engineer", "an engineer", 1.0),
        ("Anything.", "", "", None),
    ],
)
def test_error_repeated(response: str, error: str, correction: str, value: float | None) -> None:
    item = Item(response, error=error, correction=correction)
    assert METRICS["error_repeated"](item) == value


def test_metalinguistic_terms() -> None:
    assert METRICS["metalinguistic_terms"](Item("Use the past tense of the verb here.")) == 2
    assert METRICS["metalinguistic_terms"](Item("Watch the subject-verb agreement.")) == 1
    assert METRICS["metalinguistic_terms"](Item("Tell me about your trip!")) == 0


@pytest.mark.parametrize(
    ("response", "value"),
    [
        ("So x=6.", 0.0),
        ("Then X = 6, well done.", 0.0),
        ("What could you add to both sides first?", 1.0),
    ],
)
def test_answer_withheld(response: str, value: float) -> None:
    assert METRICS["answer_withheld"](Item(response, answer="x = 6")) == value
    assert METRICS["answer_withheld"](Item(response)) is None


def test_encouragement_markers() -> None:
    assert METRICS["encouragement_markers"](Item("Great! Well done, that's right.")) == 3
    assert METRICS["encouragement_markers"](Item("Good try. Nice.")) == 2
    assert METRICS["encouragement_markers"](Item("Go on.")) == 0


def test_tutor_talk_ratio() -> None:
    convo = ({"role": "user", "content": "I go to the zoo yesterday."},)
    item = Item("You went to the zoo? What animals did you see there, and why?", convo)
    assert METRICS["tutor_talk_ratio"](item) == 13 / 6
    assert METRICS["tutor_talk_ratio"](Item("Hello.")) is None


@pytest.mark.parametrize(
    ("response", "language", "value"),
    [
        ("The cat sat.", "en", 1.0),
        ("Hola, ¿cómo estás? I am fine.", "en", 0.5),
        ("Hola, ¿cómo estás? I am fine.", "es", 1 - 1 / 6),  # "I" is English
        ("你好 friend", "en", 0.5),
        ("Très bien, merci! And you?", "en", 0.4),  # bien is Spanish too
        ("Ich bin müde, aber glücklich.", "de", 1.0),
        ("123 !!!", "en", None),
    ],
)
def test_target_language_ratio(response: str, language: str, value: float | None) -> None:
    result = METRICS["target_language_ratio"](Item(response, language=language))
    assert result == (pytest.approx(value) if value is not None else None)


@pytest.mark.parametrize(
    ("word", "count"),
    [
        ("the", 1),
        ("cat", 1),
        ("make", 1),
        ("table", 2),
        ("beautiful", 3),
        ("wanted", 2),
        ("jumped", 1),
        ("boxes", 2),
        ("makes", 1),
        ("water", 2),
        ("conversation", 4),
    ],
)
def test_syllables(word: str, count: int) -> None:
    assert syllables(word) == count


def test_readability_on_a_sentence_of_one_syllable_words() -> None:
    item = Item("The cat sat on the mat.")
    # 6 words, 1 sentence, 6 syllables
    assert METRICS["flesch_reading_ease"](item) == pytest.approx(206.835 - 1.015 * 6 - 84.6)
    assert METRICS["readability_grade"](item) == pytest.approx(0.39 * 6 + 11.8 - 15.59)
    harder = Item("Photosynthesis transforms electromagnetic radiation into chemical energy.")
    assert METRICS["readability_grade"](harder) > METRICS["readability_grade"](item)  # type: ignore[operator]
    assert METRICS["readability_grade"](Item("")) is None


def test_a_metric_that_raises_gives_none(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(item: Item) -> int:
        raise RuntimeError("boom")

    monkeypatch.setitem(METRICS, "broken", Metric("broken", "test", "raises", broken))
    values = compute(Item("Hi?"), ["question_count", "broken"])
    assert values == {"question_count": 1, "broken": None}


def test_numeric_values() -> None:
    assert numeric({"first_person": 1, "second_person": 2, "total": 3}) == 3.0
    assert numeric(None) is None and numeric(2) == 2.0

"""Evaluation suites: the built-in ones load, custom files are checked strictly."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.configfile import ConfigError
from engine.suites import list_suites, load_suite


def test_builtin_suites_cover_the_intents_and_esl() -> None:
    suites = {s.name: s for s in list_suites()}
    assert {
        "pedagogical",
        "dialogue",
        "baseline",
        "stress",
        "esl_grammar",
        "toefl_speaking",
    } <= set(suites)
    for name in ("esl_grammar", "toefl_speaking"):
        for test in suites[name].tests:
            convo = test.conversation(suites[name].system)
            assert convo[0]["role"] == "system"
            assert convo[-1]["role"] == "user" and len(convo) >= 4  # multi-turn
            assert test.error_type and test.error in convo[-1]["content"]
            assert test.correction


def test_single_prompt_tests_become_one_user_turn() -> None:
    suite = load_suite("baseline")
    assert suite.tests[0].conversation() == [
        {"role": "user", "content": "What is the capital of Canada?"}
    ]


def test_custom_toml_and_yaml_files(tmp_path: Path) -> None:
    toml = tmp_path / "mine.toml"
    toml.write_text('[[tests]]\nname = "a"\nprompt = "hello?"\n')
    assert load_suite(str(toml)).name == "mine"
    yaml = tmp_path / "other.yaml"
    yaml.write_text(
        "name: other\ntests:\n  - name: b\n    messages:\n      - {role: user, content: hi}\n"
    )
    suite = load_suite(str(yaml))
    assert suite.tests[0].conversation() == [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[tests]]\nname = "a"\nprompt = "x"\nscore = 3\n', "unknown key"),
        ('[[tests]]\nname = "a"\n', "needs a prompt or messages"),
        (
            '[[tests]]\nname = "a"\nmessages = [{role = "user", content = "x"}, '
            '{role = "assistant", content = "y"}]\n',
            "end on a user turn",
        ),
        ("tests = [\n", "bad.toml"),
    ],
)
def test_bad_suites_name_the_file_and_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_suite(str(path))


def test_unknown_suite_lists_the_builtin_ones() -> None:
    with pytest.raises(ConfigError, match="pedagogical"):
        load_suite("nope")

"""Evaluation suites: named lists of conversations to put to a model.

A suite is a TOML (or YAML) file: ``name``, ``description``, an optional ``system`` prompt
and ``[[tests]]``, each with a ``name`` and either a single ``prompt`` or a multi-turn
``messages`` list ending on a user turn, plus ``criteria`` and ``tags``. Language-learning
tests may name the learner's error (``error_type``, ``error``, ``correction``) so metrics can
check whether a reply recasts it, and tests whose solution a tutor should not give away name
it (``answer``). ``language`` is the language the learner practises (default ``en``).
``key_metrics`` maps metric names to ``higher`` or ``lower``: the metrics on which an adapter
must not fall below its base for ``quimbot-tui export --require-eval SUITE``. Built-in suites
live in ``configs/eval/``; a name resolves to a built-in suite first, then to a file path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from engine.configfile import ConfigError, build, read_toml
from engine.workspace import configs_dir


@dataclass
class Message:
    role: str
    content: str


@dataclass
class TestCase:
    """One conversation to answer."""

    name: str
    prompt: str = ""
    """A single user turn (or use ``messages``)."""
    messages: list[Message] = field(default_factory=list)
    """A multi-turn conversation ending on a user turn."""
    criteria: str = ""
    """What a good answer does (for people and judges; not scored directly)."""
    tags: list[str] = field(default_factory=list)
    system: str = ""
    """A system prompt for this test (overrides the suite's)."""
    error_type: str = ""
    """The learner's error in the last turn, by type (e.g. past_tense)."""
    error: str = ""
    """The erroneous words as the learner wrote them."""
    correction: str = ""
    """The corrected form a recast would use."""
    answer: str = ""
    """The solution the tutor should lead to rather than reveal (``answer_withheld``)."""

    __test__ = False  # not a pytest test class

    def conversation(self, suite_system: str = "") -> list[dict[str, str]]:
        """The messages to send, with the system prompt first when there is one."""
        turns = [{"role": m.role, "content": m.content} for m in self.messages]
        if self.prompt:
            turns = [{"role": "user", "content": self.prompt}]
        system = self.system or suite_system
        return ([{"role": "system", "content": system}] if system else []) + turns

    @property
    def last_user(self) -> str:
        return self.prompt or (self.messages[-1].content if self.messages else "")


@dataclass
class Suite:
    name: str
    tests: list[TestCase]
    description: str = ""
    system: str = ""
    language: str = "en"
    """The language the learner practises (``target_language_ratio``): en, es, fr or de."""
    key_metrics: dict[str, Literal["higher", "lower"]] = field(default_factory=dict)
    """Metric name -> the direction that is better; the export gate compares these."""
    path: Path | None = None

    def validate(self, where: str) -> None:
        names = [t.name for t in self.tests]
        if not names:
            raise ConfigError(f"{where}: a suite needs at least one test")
        if len(set(names)) != len(names):
            raise ConfigError(f"{where}: test names repeat")
        for t in self.tests:
            if bool(t.prompt) == bool(t.messages):
                raise ConfigError(f"{where}: test {t.name!r} needs a prompt or messages, not both")
            if t.messages and t.messages[-1].role != "user":
                raise ConfigError(f"{where}: test {t.name!r} must end on a user turn")
            for m in t.messages:
                if m.role not in ("user", "assistant") or not m.content.strip():
                    raise ConfigError(f"{where}: test {t.name!r} has a bad message ({m.role})")
        from engine.eval.metrics import METRICS
        from engine.eval.pedagogy import LANGUAGES

        if self.language not in LANGUAGES:
            raise ConfigError(f"{where}: language {self.language!r} is not one of {LANGUAGES}")
        unknown = sorted(set(self.key_metrics) - set(METRICS))
        if unknown:
            raise ConfigError(f"{where}: key_metrics names unknown metric(s) {', '.join(unknown)}")


def _read(path: Path) -> dict[str, Any]:
    if path.suffix in (".yaml", ".yml"):
        import yaml

        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: {exc}") from exc
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: a suite file holds a mapping")
        return data
    return read_toml(path)


def load_suite_file(path: Path) -> Suite:
    data = _read(path)
    data.setdefault("name", path.stem)
    suite = build(Suite, data, str(path))
    suite.path = path
    suite.validate(str(path))
    return suite


def builtin_suites() -> dict[str, Path]:
    folder = configs_dir() / "eval"
    return {p.stem: p for p in sorted(folder.glob("*.toml"))}


def load_suite(name_or_path: str) -> Suite:
    """A built-in suite by name, else a suite file by path."""
    builtin = builtin_suites()
    if name_or_path in builtin:
        return load_suite_file(builtin[name_or_path])
    path = Path(name_or_path)
    if path.is_file():
        return load_suite_file(path)
    raise ConfigError(
        f"no suite {name_or_path!r}: built-in suites are {', '.join(builtin)}; "
        "or give the path of a .toml or .yaml suite file"
    )


def list_suites() -> list[Suite]:
    return [load_suite_file(p) for p in builtin_suites().values()]


TEMPLATE_TOML = """# A custom evaluation suite. Run it with
#   quimbot-tui eval --models base run:RUN --suite THIS_FILE.toml
name = "my_suite"
description = "What this suite checks"
# A system prompt for every test (a test's own `system` overrides it).
system = "You are a friendly English conversation partner for a language learner."
# The language the learner practises: en, es, fr or de (for target_language_ratio).
language = "en"

# The export gate (quimbot-tui export RUN --require-eval THIS_FILE.toml): the adapter must
# not fall below base on these metrics; each says which direction is better.
[key_metrics]
ends_with_question = "higher"
explicit_correction = "lower"

# A single user turn.
[[tests]]
name = "test_1"
prompt = "I don't understand when to use 'since' and 'for'."
criteria = "asks what the learner already knows before explaining"
tags = ["grammar", "inquiry"]
# answer = "..."   # a solution the tutor should not give away (answer_withheld)

# A multi-turn conversation ending on a learner turn with one typed error.
[[tests]]
name = "test_2"
criteria = "recasts 'went' and asks a follow-up question"
tags = ["past_tense", "multi-turn"]
error_type = "past_tense"
error = "go"          # the learner's words as written
correction = "went"   # the form a recast uses
messages = [
  { role = "user", content = "I had a great weekend." },
  { role = "assistant", content = "Lovely! What did you do?" },
  { role = "user", content = "On Sunday I go to the cinema with my friends." },
]
"""

TEMPLATE_YAML = """# A custom evaluation suite. Run it with
#   quimbot-tui eval --models base run:RUN --suite THIS_FILE.yaml
name: my_suite
description: What this suite checks
# A system prompt for every test (a test's own `system` overrides it).
system: You are a friendly English conversation partner for a language learner.
# The language the learner practises: en, es, fr or de (for target_language_ratio).
language: en
# The export gate: the adapter must not fall below base on these metrics.
key_metrics:
  ends_with_question: higher
  explicit_correction: lower
tests:
  # A single user turn.
  - name: test_1
    prompt: "I don't understand when to use 'since' and 'for'."
    criteria: asks what the learner already knows before explaining
    tags: [grammar, inquiry]
    # answer: a solution the tutor should not give away (answer_withheld)
  # A multi-turn conversation ending on a learner turn with one typed error.
  - name: test_2
    criteria: recasts 'went' and asks a follow-up question
    tags: [past_tense, multi-turn]
    error_type: past_tense
    error: go
    correction: went
    messages:
      - {role: user, content: "I had a great weekend."}
      - {role: assistant, content: "Lovely! What did you do?"}
      - {role: user, content: "On Sunday I go to the cinema with my friends."}
"""


def export_template(path: Path) -> Path:
    """Write a commented custom-suite template (YAML for .yaml/.yml, else TOML)."""
    yaml = path.suffix in (".yaml", ".yml")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(TEMPLATE_YAML if yaml else TEMPLATE_TOML, encoding="utf-8")
    return path


def suite_choices(workspace_suites: Path | None = None) -> list[tuple[str, str]]:
    """(label, name or path) of the built-in suites, then of suite files in a folder."""
    choices = [(name, name) for name in builtin_suites()]
    if workspace_suites is not None and workspace_suites.is_dir():
        for path in sorted(workspace_suites.iterdir()):
            if path.suffix in (".toml", ".yaml", ".yml"):
                choices.append((f"{path.name} (workspace)", str(path)))
    return choices

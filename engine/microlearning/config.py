"""The pipeline's settings: ``configs/microlearning.toml``, strict (unknown keys are errors).

The file used is the first of: an explicit path, ``<workspace>/microlearning.toml``, the
project's ``configs/microlearning.toml``.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from engine.configfile import ConfigError, build, read_toml
from engine.workspace import configs_dir

CONFIG_NAME = "microlearning.toml"
RISK_FLAGS = (
    "medical_claim",
    "finance_advice",
    "politics",
    "adult",
    "violence",
    "self_harm",
    "hate",
    "other",
)
"""The topic_record schema's one risk-flag vocabulary."""
SORTS = ("hot", "new", "rising", "top", "controversial")


@dataclass
class ScrapeConfig:
    subreddits: list[str]
    """Subreddits to read, without the r/."""
    sorts: list[str] = field(default_factory=lambda: ["hot", "top"])
    """Listings per subreddit: hot, new, rising, top, controversial."""
    time_filter: Literal["hour", "day", "week", "month", "year", "all"] = "day"
    """Period of the top and controversial listings."""
    limit: int = 25
    """Posts per subreddit and listing (praw pages through Reddit's 100-item pages)."""
    min_upvotes: int = 500
    """Posts below this many upvotes are not kept."""
    user_agent: str = "quimbot-tui microlearning scraper"
    """Reddit asks for a descriptive User-Agent naming your account."""
    praw_site: str = "quimbot"
    """The praw.ini section that holds the credentials when the environment has none."""
    timeout_s: float = 15.0
    """Seconds before one request is given up (and retried)."""
    max_retries: int = 4
    """Retries of one request after a 429, a 5xx, a timeout or a malformed answer."""
    backoff_s: float = 2.0
    """First retry delay; doubled on each retry."""
    max_backoff_s: float = 60.0
    """The longest single wait, also for Reddit's rate-limit reset."""


@dataclass
class ScoringVersion:
    formula: Literal["poc", "trendiness"]
    """``poc``: score_topics.py's weighted formula; ``trendiness``: propose.py's score."""
    description: str = ""
    subreddit_weights: dict[str, float] = field(default_factory=dict)
    """The final score is multiplied by the subreddit's weight (``default_weight`` else)."""
    default_weight: float = 1.0
    velocity: Literal["observed", "recorded"] = "observed"
    """trendiness: ``observed`` is (upvotes + 2 comments) per hour since the previous
    observation, or since the post was made at a first sighting; ``recorded`` uses the
    velocity an imported original record carries (its delta.json value) where it has one."""
    novelty_penalty: float = 0.5
    """trendiness: a topic seen within the novelty window scores ``× (1 − penalty)``.
    (poc has its own novelty term, 0.10 of the score.)"""
    feasible_subreddits: list[str] = field(default_factory=list)
    """poc: subreddits that make easy explainers (feasibility 0.7 instead of 0.4)."""
    top_n: int = 15
    """How many topics a shortlist keeps."""


@dataclass
class ScoringConfig:
    default: str
    """The version ``topics score`` and the Topics screen use when none is named."""
    versions: dict[str, ScoringVersion]
    novelty_days: int = 7
    """Topics (same id, or same title fingerprint) decided, packaged or proposed by an
    earlier batch within this many days count as seen."""


@dataclass
class RiskConfig:
    keywords: dict[str, list[str]]
    """Flag -> words or phrases matched on whole words in the title and text. Keys are the
    schema's flags; ``adult`` is also set by Reddit's over_18."""


@dataclass
class BeatTemplate:
    voiceover: str
    on_screen_text: str = ""
    visual_notes: str = ""


@dataclass
class PacketTemplate:
    hook: str
    beats: list[BeatTemplate]
    caption: str
    what_you_learn: str
    """The shortlist's one-sentence learning promise."""


@dataclass
class ModelEndpoint:
    base_url: str = ""
    """An OpenAI-compatible API root, e.g. http://127.0.0.1:11434/v1 (empty: no model)."""
    model: str = ""
    api_key_env: str = "OPENAI_API_KEY"
    """The environment variable holding the key (the key itself is never stored)."""
    temperature: float = 0.7
    max_tokens: int = 900
    timeout_s: float = 60.0


@dataclass
class PacketConfig:
    template: PacketTemplate
    generator: Literal["template", "model"] = "template"
    """How ``topics packets`` writes scripts unless told otherwise."""
    duration_seconds: int = 30
    aspect_ratio: Literal["9:16", "1:1", "16:9"] = "9:16"
    platform: Literal["instagram_reel", "tiktok", "youtube_short", "x"] = "instagram_reel"
    hashtags: list[str] = field(default_factory=list)
    """Always added; the subreddit and the first keywords follow."""
    max_hashtags: int = 6
    disclaimers: dict[str, str] = field(default_factory=dict)
    """Risk flag -> the disclaimer a packet about such a topic carries."""
    model: ModelEndpoint = field(default_factory=ModelEndpoint)


@dataclass
class ApprovalConfig:
    notify_every: int = 25
    """Post an approvals.session summary after this many decisions (0: only at the end)."""


@dataclass
class MicrolearningConfig:
    scrape: ScrapeConfig
    scoring: ScoringConfig
    risk: RiskConfig
    packets: PacketConfig
    approvals: ApprovalConfig = field(default_factory=ApprovalConfig)
    path: str = ""
    """Where the settings were read from (set by ``load_config``)."""

    def version(self, name: str | None = None) -> tuple[str, ScoringVersion]:
        name = name or self.scoring.default
        try:
            return name, self.scoring.versions[name]
        except KeyError:
            known = ", ".join(sorted(self.scoring.versions))
            raise ConfigError(f"unknown scoring version {name!r}; known: {known}") from None


TEMPLATE_FIELDS = frozenset(
    {
        "title",
        "fact",
        "detail",
        "short_title",
        "subreddit",
        "upvotes",
        "num_comments",
        "keywords",
        "keyword1",
        "keyword2",
        "angle",
        "hook",
    }
)


def config_path(workspace_root: Path | None = None, explicit: str | Path | None = None) -> Path:
    if explicit:
        return Path(explicit)
    if workspace_root is not None and (workspace_root / CONFIG_NAME).is_file():
        return workspace_root / CONFIG_NAME
    return configs_dir() / CONFIG_NAME


def load_config(
    workspace_root: Path | None = None, explicit: str | Path | None = None
) -> MicrolearningConfig:
    path = config_path(workspace_root, explicit)
    data = read_toml(path)
    data.pop("path", None)
    config = build(MicrolearningConfig, data, str(path))
    config.path = str(path)
    _check(config, str(path))
    return config


def _check(config: MicrolearningConfig, where: str) -> None:
    bad_sorts = sorted(set(config.scrape.sorts) - set(SORTS))
    if bad_sorts:
        raise ConfigError(f"{where}: scrape.sorts: unknown {', '.join(bad_sorts)}")
    config.version()  # the default names a version
    for section, flags in (
        ("risk.keywords", config.risk.keywords),
        ("packets.disclaimers", config.packets.disclaimers),
    ):
        unknown = sorted(set(flags) - set(RISK_FLAGS))
        if unknown:
            raise ConfigError(
                f"{where}: {section}: {', '.join(unknown)} not a schema risk flag "
                f"({', '.join(RISK_FLAGS)})"
            )
    if not 5 <= config.packets.duration_seconds <= 90:
        raise ConfigError(f"{where}: packets.duration_seconds must be 5-90")
    template = config.packets.template
    texts = [template.hook, template.caption, template.what_you_learn]
    for beat in template.beats:
        texts += [beat.voiceover, beat.on_screen_text, beat.visual_notes]
    for text in texts:
        names = {f[1] for f in string.Formatter().parse(text) if f[1]}
        unknown = sorted(names - TEMPLATE_FIELDS)
        if unknown:
            raise ConfigError(
                f"{where}: packets.template: unknown field(s) {', '.join(unknown)} in "
                f"{text!r}; known: {', '.join(sorted(TEMPLATE_FIELDS))}"
            )
    if not template.beats:
        raise ConfigError(f"{where}: packets.template.beats: at least one beat")

"""Scoring versions: the original's two formulas, named and configurable, plus novelty.

``poc`` is score_topics.py@e463b77 (notes/scoring.md), every term in [0, 1]::

    raw = 0.45 v_comments + 0.15 v_upvotes + 0.15 echo + 0.15 feasible + 0.10 novelty
          - 0.25 risk;   score = raw x w_subreddit

``trendiness`` is scraper/propose.py@ce3f9e0::

    score = round((1.5 velocity + 0.3 comments + 20 upvote_ratio + min(0.1 upvotes, 50)
                   - 15 len(risk_flags) + title_bonus) x w_subreddit, 2)

Novelty: a topic is *seen* when it, or another topic with the same title fingerprint, was
decided (approval not undone), packaged, or proposed by an imported batch within the last
``novelty_days``. poc's novelty term is then 0 instead of 1; trendiness multiplies by
``1 - novelty_penalty``. The original had no history store (novelty was constant 1.0) and
propose.py simply excluded topics of earlier batches.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.microlearning import write_lock
from engine.microlearning.config import MicrolearningConfig, ScoringVersion
from engine.microlearning.signals import fingerprint
from store import topics as store_topics
from store.db import Database, transaction

HARD_FLAGS = frozenset({"adult", "violence", "self_harm", "hate"})
SOFT_FLAGS = frozenset({"medical_claim", "finance_advice", "politics"})


@dataclass(frozen=True)
class Scored:
    topic_id: str
    score: float
    components: dict[str, Any]


@dataclass
class Seen:
    topic_ids: set[str] = field(default_factory=set)
    fingerprints: set[str] = field(default_factory=set)

    def __contains__(self, topic: dict[str, Any]) -> bool:
        return topic["topic_id"] in self.topic_ids or (
            topic.get("fingerprint") is not None and topic["fingerprint"] in self.fingerprints
        )


def _weight(version: ScoringVersion, subreddit: str) -> float:
    return version.subreddit_weights.get(subreddit, version.default_weight)


def poc(topics: Sequence[dict[str, Any]], version: ScoringVersion, seen: Seen) -> list[Scored]:
    """score_topics.py: velocities and echo normalised over the topics scored together."""
    metrics = [t["record"]["metrics"] for t in topics]
    max_c = max((m.get("comment_velocity_per_hour", 0.0) for m in metrics), default=0.0) or 1.0
    max_u = max((m.get("upvote_velocity_per_hour", 0.0) for m in metrics), default=0.0) or 1.0
    per_sub = Counter(t["record"]["source"]["subreddit"] for t in topics)
    max_sub = max(per_sub.values(), default=1)
    feasible_subs = set(version.feasible_subreddits)
    out = []
    for topic, m in zip(topics, metrics, strict=True):
        record = topic["record"]
        sub = record["source"]["subreddit"]
        flags = set(record.get("risk_flags", []))
        c = {
            "v_comments": min(m.get("comment_velocity_per_hour", 0.0) / max_c, 1.0),
            "v_upvotes": min(m.get("upvote_velocity_per_hour", 0.0) / max_u, 1.0),
            "echo": per_sub[sub] / max_sub,
            "feasible": (0.7 if sub in feasible_subs else 0.4)
            + (0.2 if len(record["title"]) < 100 else 0.0),
            "novelty": 0.0 if topic in seen else 1.0,
            "risk": 1.0 if flags & HARD_FLAGS else 0.5 if flags & SOFT_FLAGS else 0.0,
            "w_subreddit": _weight(version, sub),
        }
        raw = (
            0.45 * c["v_comments"]
            + 0.15 * c["v_upvotes"]
            + 0.15 * c["echo"]
            + 0.15 * c["feasible"]
            + 0.10 * c["novelty"]
            - 0.25 * c["risk"]
        )
        components = {k: round(v, 3) for k, v in c.items()}
        components["score_raw"] = round(raw, 4)
        out.append(Scored(topic["topic_id"], round(raw * c["w_subreddit"], 4), components))
    return out


def title_bonus(title: str) -> int:
    if 20 <= len(title) <= 80:
        return 10
    if len(title) > 150:
        return -5
    return 0


def velocity(record: dict[str, Any], mode: str) -> tuple[float, str]:
    """The velocity a trendiness score uses, and where it came from."""
    raw = record.get("raw") or {}
    if mode == "recorded" and isinstance(raw.get("velocity"), int | float):
        return float(raw["velocity"]), "recorded"
    m = record["metrics"]
    if "upvote_velocity_per_hour" in m or "comment_velocity_per_hour" in m:
        observed = m.get("upvote_velocity_per_hour", 0.0) + 2 * m.get(
            "comment_velocity_per_hour", 0.0
        )
        return round(observed, 2), "observed"
    return 0.0, "none"


def trendiness(
    topics: Sequence[dict[str, Any]], version: ScoringVersion, seen: Seen
) -> list[Scored]:
    """propose.py's score, term by term."""
    out = []
    for topic in topics:
        record = topic["record"]
        m = record["metrics"]
        v, source = velocity(record, version.velocity)
        ratio = (record.get("raw") or {}).get("upvote_ratio")
        ratio = float(ratio) if isinstance(ratio, int | float) else 0.0
        flags = record.get("risk_flags", [])
        weight = _weight(version, record["source"]["subreddit"])
        terms = {
            "velocity": 1.5 * v,
            "comments": 0.3 * m["num_comments"],
            "upvote_ratio": 20 * ratio,
            "upvotes": min(0.1 * m["upvotes"], 50),
            "risk": -15 * len(flags),
            "title": title_bonus(record["title"]),
        }
        total = (
            terms["velocity"]
            + terms["comments"]
            + terms["upvote_ratio"]
            + terms["upvotes"]
            + terms["risk"]
            + terms["title"]
        )
        novelty = 1.0 - version.novelty_penalty if topic in seen else 1.0
        score = round(total * weight * novelty, 2)
        components: dict[str, Any] = {k: round(float(t), 2) for k, t in terms.items()}
        components.update(
            velocity_value=v, velocity_source=source, w_subreddit=weight, novelty=novelty
        )
        out.append(Scored(topic["topic_id"], score, components))
    return out


FORMULAS = {"poc": poc, "trendiness": trendiness}


def score(
    topics: Sequence[dict[str, Any]], version: ScoringVersion, seen: Seen | None = None
) -> list[Scored]:
    """Scores of the topics, best first (ties by topic id)."""
    scored = FORMULAS[version.formula](topics, version, seen or Seen())
    return sorted(scored, key=lambda s: (-s.score, s.topic_id))


@dataclass
class ScoreReport:
    version: str
    description: str
    scored: list[Scored]
    seen: int

    def summary(self) -> str:
        return f"scored {len(self.scored)} topics with {self.version} ({self.seen} seen recently)"


def seen_topics(db: Database, days: int, now: dt.datetime) -> Seen:
    with db.connect() as con:
        rows = store_topics.seen_since(con, now - dt.timedelta(days=days), now)
    seen = Seen()
    for topic_id, fp, _ in rows:
        seen.topic_ids.add(topic_id)
        if fp:
            seen.fingerprints.add(fp)
    return seen


def current_version(db: Database, config: MicrolearningConfig) -> str:
    """The version of the latest scoring run, if it is still configured; else the default."""
    with db.connect() as con:
        row = con.execute(
            "SELECT version FROM topic_scores ORDER BY scored_at DESC LIMIT 1"
        ).fetchone()
    if row and row[0] in config.scoring.versions:
        return str(row[0])
    return config.scoring.default


def rescore(
    db: Database,
    config: MicrolearningConfig,
    version_name: str | None = None,
    *,
    now: dt.datetime | None = None,
    statuses: Sequence[str] = ("proposed",),
) -> ScoreReport:
    """Score every topic in ``statuses`` with one version and make it their current score."""
    name, version = config.version(version_name or current_version(db, config))
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    seen = seen_topics(db, config.scoring.novelty_days, now)
    with db.connect() as con:
        topics = store_topics.by_status(con, statuses)
    unprinted = [t for t in topics if not t.get("fingerprint")]  # stored by other means
    for topic in unprinted:
        topic["fingerprint"] = fingerprint(topic["title"])
    scored = score(topics, version, seen)
    with write_lock, db.connect() as con, transaction(con):
        for topic in unprinted:
            store_topics.set_fingerprint(con, topic["topic_id"], topic["fingerprint"])
        rows = ((s.topic_id, s.score, s.components) for s in scored)
        store_topics.set_scores(con, name, rows, now)
    return ScoreReport(name, version.description, scored, sum(1 for t in topics if t in seen))

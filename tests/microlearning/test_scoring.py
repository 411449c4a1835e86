"""Scoring versions: the original trendiness and POC formulas, novelty, shortlists."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from engine.configfile import ConfigError
from engine.microlearning.approvals import ApprovalSession
from engine.microlearning.config import load_config
from engine.microlearning.importer import import_files
from engine.microlearning.ingest import ingest
from engine.microlearning.schemas import problems
from engine.microlearning.scoring import rescore
from engine.microlearning.shortlist import make_shortlist
from store import topics as store_topics
from tests.microlearning.helpers import FLAT_ROWS

NOW = dt.datetime(2026, 2, 16, 19, 0, 0)


def test_trendiness_v0_reproduces_the_original_scores(workspace, config, flat_file) -> None:
    """propose.py as it first ran (no subreddit weights, the records' own velocity)."""
    import_files(workspace.db, [flat_file])
    report = rescore(workspace.db, config, "trendiness-v0", now=NOW)
    got = {s.topic_id: s.score for s in report.scored}
    with workspace.db.connect() as con:
        topics = store_topics.queue(con)
    legacy = {t["record"]["raw"]["legacy_topic_id"]: got[t["topic_id"]] for t in topics}
    expected = {
        json.loads(line)["topic_id"]: row[-1]
        for line, row in zip(flat_file.read_text().splitlines(), FLAT_ROWS, strict=True)
    }
    assert legacy == expected
    # The batch the original would have proposed: the top 3, best first.
    top3 = [t["record"]["raw"]["legacy_topic_id"] for t in topics[:3]]
    by_score = sorted(expected, key=lambda k: -expected[k])[:3]
    assert top3 == by_score
    assert [t["score"] for t in topics[:3]] == [30183.0, 4543.0, 1550.0]
    assert topics[0]["components"]["velocity_source"] == "recorded"


def test_weighted_trendiness_uses_observed_velocity_and_weights(workspace, config, flat_file):
    import_files(workspace.db, [flat_file])
    rescore(workspace.db, config, "trendiness", now=NOW)
    with workspace.db.connect() as con:
        topics = {t["subreddit"]: t for t in store_topics.queue(con)}
    til = topics["todayilearned"]
    m = til["record"]["metrics"]
    # A first sighting: counts over the post's age, not score + 2 x comments.
    age_h = (dt.datetime(2026, 2, 16, 18, 54, 7) - dt.datetime(2026, 2, 16, 14)).seconds / 3600
    assert m["upvote_velocity_per_hour"] == round(19000 / age_h, 2)
    assert m["comment_velocity_per_hour"] == round(400 / age_h, 2)
    velocity = round(m["upvote_velocity_per_hour"] + 2 * m["comment_velocity_per_hour"], 2)
    assert til["components"]["velocity_value"] == velocity
    assert til["components"]["velocity_source"] == "observed"
    terms = 1.5 * velocity + 0.3 * 400 + 20 * 0.9 + 50 - 5
    assert til["score"] == round(terms * 0.7, 2)
    assert topics["space"]["components"]["w_subreddit"] == 1.1


def _schema_record(topic_id, sub, title, cv, uv, flags):
    return {
        "topic_id": topic_id,
        "source": {"provider": "reddit", "subreddit": sub},
        "title": title,
        "url": f"https://www.reddit.com/r/{sub}/comments/{topic_id}/",
        "captured_at": "2026-02-16T18:00:00Z",
        "metrics": {
            "upvotes": 100,
            "num_comments": 10,
            "comment_velocity_per_hour": cv,
            "upvote_velocity_per_hour": uv,
        },
        "risk_flags": flags,
    }


def test_poc_formula_matches_score_topics(workspace, config) -> None:
    with workspace.db.connect() as con:
        ingest(
            con,
            [
                _schema_record("a", "todayilearned", "x" * 40, 100.0, 1000.0, []),
                _schema_record("b", "science", "y" * 120, 50.0, 2000.0, ["medical_claim"]),
                _schema_record("c", "science", "z" * 30, 0.0, 0.0, ["adult"]),
            ],
        )
    report = rescore(workspace.db, config, "poc", now=NOW)
    scores = {s.topic_id: s for s in report.scored}
    # a: .45*1 + .15*.5 + .15*.5 + .15*.9 + .10 = 0.835, x 0.7
    assert scores["a"].components["score_raw"] == 0.835
    assert scores["a"].score == pytest.approx(0.5845)
    # b: .45*.5 + .15*1 + .15*1 + .15*.4 + .10 - .25*.5 = 0.56, x 1.1
    assert scores["b"].score == pytest.approx(0.616)
    # c: .15*1 + .15*.6 + .10 - .25*1 = 0.09, x 1.1
    assert scores["c"].score == pytest.approx(0.099)
    assert [s.topic_id for s in report.scored] == ["b", "a", "c"]


def test_novelty_window_penalises_a_story_seen_recently(workspace, config) -> None:
    with workspace.db.connect() as con:
        ingest(
            con,
            [
                _schema_record("old", "science", "Why the sky is blue", 10.0, 10.0, []),
                _schema_record("new", "space", "Why the sky is blue!", 10.0, 10.0, []),
                _schema_record("other", "space", "Why the planet Mars is red", 10.0, 10.0, []),
            ],
        )
    session = ApprovalSession(workspace.db, approver="tester")
    session.decide("old", True)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    report = rescore(workspace.db, config, "trendiness", now=now)
    scores = {s.topic_id: s for s in report.scored}
    assert report.seen == 1
    assert scores["new"].components["novelty"] == 0.5
    assert scores["new"].score == pytest.approx(scores["other"].score * 0.5, abs=0.01)
    poc = {s.topic_id: s for s in rescore(workspace.db, config, "poc", now=now).scored}
    assert poc["new"].components["novelty"] == 0.0 and poc["other"].components["novelty"] == 1.0
    # Outside the window, nothing is penalised.
    later = rescore(workspace.db, config, "trendiness", now=now + dt.timedelta(days=8))
    assert later.seen == 0


def test_shortlists_are_valid_shortlist_records(workspace, config, flat_file, tmp_path) -> None:
    import_files(workspace.db, [flat_file])
    record, path = make_shortlist(
        workspace.db, config, workspace.packets_dir, version="trendiness-v0", top=3
    )
    assert problems("shortlist_record", record) == []
    assert json.loads(path.read_text()) == record
    assert path.parent == workspace.packets_dir / "shortlists"
    assert record["scoring_version"] == "trendiness-v0"
    assert [t["score"] for t in record["topics"]] == [30183.0, 4543.0, 1550.0]
    first = record["topics"][0]
    assert first["hook"].startswith("Did you know? A very long title")
    assert first["what_you_learn"].startswith("You'll learn")
    assert first["source_refs"] == ["https://www.reddit.com/r/todayilearned/comments/a1/slug/"]
    assert record["topics"][1]["risk_flags"] == ["finance_advice", "politics"]
    with workspace.db.connect() as con:
        assert store_topics.shortlists(con)[0]["record"] == record


def test_config_is_strict(workspace, tmp_path: Path) -> None:
    base = (Path(__file__).resolve().parents[2] / "configs" / "microlearning.toml").read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(base.replace("limit = 25", "limit = 25\nlimt = 3"))
    with pytest.raises(ConfigError, match=r"unknown key.*limt"):
        load_config(explicit=bad)
    bad.write_text(base.replace("violence = [", "violent = ["))
    with pytest.raises(ConfigError, match="violent not a schema risk flag"):
        load_config(explicit=bad)
    bad.write_text(base.replace('default = "trendiness"', 'default = "nope"'))
    with pytest.raises(ConfigError, match="unknown scoring version 'nope'"):
        load_config(explicit=bad)
    bad.write_text(base.replace("? {short_title}", "? {shorttitle}"))
    with pytest.raises(ConfigError, match=r"unknown field.*shorttitle"):
        load_config(explicit=bad)
    (workspace.root / "microlearning.toml").write_text(base.replace("limit = 25", "limit = 7"))
    assert load_config(workspace.root).scrape.limit == 7

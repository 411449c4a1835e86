"""Importing the original's flat records, candidate batches and schema topic records."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from engine.microlearning.importer import import_files
from engine.microlearning.records import detect, from_flat, topic_id_for
from engine.microlearning.schemas import problems
from engine.microlearning.signals import RiskMatcher, clean_title, keywords, schema_flags
from store import topics as store_topics
from tests.microlearning.helpers import NOW, flat_line

SCHEMA_RECORD = {
    "topic_id": "sha1:deadbeef",
    "source": {"provider": "reddit", "subreddit": "Futurology", "post_id": "1abcxyz"},
    "title": "A new battery chemistry could cut costs by 40%",
    "url": "https://www.reddit.com/r/Futurology/comments/1abcxyz/",
    "created_at": "2026-02-15T15:00:00Z",
    "captured_at": "2026-02-15T18:00:00Z",
    "metrics": {"upvotes": 8123, "num_comments": 642, "comment_velocity_per_hour": 58.2},
    "keywords": ["battery"],
    "risk_flags": [],
    "microlearning_angle_candidates": ["What makes a battery cheaper"],
}


def _topics(workspace) -> dict[str, dict]:
    with workspace.db.connect() as con:
        return {t["topic_id"]: t for t in store_topics.by_status(con, store_topics.STATUSES)}


def test_flat_records_become_valid_topic_records(flat_file: Path) -> None:
    line = json.loads(flat_file.read_text().splitlines()[1])
    record = from_flat(line)
    assert problems("topic_record", record) == []
    assert record["topic_id"] == topic_id_for("science", "b2")
    assert record["topic_id"][5:17] == line["topic_id"] == record["raw"]["legacy_topic_id"]
    assert record["risk_flags"] == ["medical_claim"]  # "medical" in the original's names
    assert record["raw"]["velocity"] == 1000 and record["raw"]["upvote_ratio"] == 0.5
    assert record["captured_at"] == "2026-02-16T18:54:07Z"
    assert record["url"] == "https://www.reddit.com/r/science/comments/b2/slug/"


def test_import_keeps_valid_neighbours_of_bad_lines(workspace, flat_file: Path) -> None:
    lines = flat_file.read_text().splitlines()
    lines.insert(1, "{not json")
    lines.insert(3, json.dumps({"hello": "world"}))
    lines.insert(4, json.dumps({**json.loads(lines[4]), "score": "many"}))
    path = flat_file.with_name("mixed.jsonl")
    path.write_bytes("\n".join(lines).encode() + b"\n\xff\xfe broken\n")
    report = import_files(workspace.db, [path, flat_file.with_name("missing.jsonl")])
    reasons = [str(e) for e in report.errors]
    assert f"{path}: line 2: invalid JSON: Expecting property name enclosed in double quotes" in (
        reasons
    )
    assert any("line 4: not a topic record" in r for r in reasons)
    assert any("line 5: flat: score is not a number" in r for r in reasons)
    assert any("line 9: invalid UTF-8" in r for r in reasons)
    assert any("missing.jsonl: file: no such file" in r for r in reasons)
    assert report.stored.new_topics == 5
    assert len(_topics(workspace)) == 5


def test_every_observation_is_kept_and_velocity_uses_the_previous(workspace, tmp_path) -> None:
    first = tmp_path / "topics-2026-02-16-18.jsonl"
    later = tmp_path / "topics-2026-02-16-21.jsonl"
    created = NOW - 2 * 3600  # 17:00
    first.write_text(
        flat_line(
            "space",
            "x1",
            "Why is Mars red?",
            1000,
            100,
            1200,
            0.9,
            [],
            "2026-02-16T19:00:00+00:00",
            created,
        )
        + "\n"
    )
    later.write_text(
        flat_line(
            "space",
            "x1",
            "Why is Mars red?",
            4000,
            400,
            3600,
            0.9,
            [],
            "2026-02-16T21:00:00+00:00",
            created,
        )
        + "\n"
    )
    # The later file first: the import orders observations by capture time.
    report = import_files(workspace.db, [later, first])
    assert report.stored.observations == 2
    topic = next(iter(_topics(workspace).values()))
    metrics = topic["record"]["metrics"]
    assert metrics["upvote_velocity_per_hour"] == 1500.0  # (4000 - 1000) / 2 h
    assert metrics["comment_velocity_per_hour"] == 150.0
    with workspace.db.connect() as con:
        history = store_topics.observations(con, topic["topic_id"])
    assert [h["upvote_velocity"] for h in history] == [500.0, 1500.0]  # first: 1000 / 2 h
    again = import_files(workspace.db, [first])  # nothing new
    assert again.stored.repeated == 1 and again.stored.observations == 0


def test_an_older_file_imported_later_fixes_the_next_velocity(workspace, tmp_path) -> None:
    created = NOW - 2 * 3600
    first = tmp_path / "a.jsonl"
    later = tmp_path / "b.jsonl"
    first.write_text(
        flat_line(
            "space",
            "x1",
            "Why is Mars red?",
            1000,
            100,
            1,
            0.9,
            [],
            "2026-02-16T19:00:00Z",
            created,
        )
        + "\n"
    )
    later.write_text(
        flat_line(
            "space",
            "x1",
            "Why is Mars red?",
            4000,
            400,
            1,
            0.9,
            [],
            "2026-02-16T21:00:00Z",
            created,
        )
        + "\n"
    )
    import_files(workspace.db, [later])
    import_files(workspace.db, [first])
    topic = next(iter(_topics(workspace).values()))
    assert topic["record"]["metrics"]["upvote_velocity_per_hour"] == 1500.0
    assert topic["record"]["captured_at"] == "2026-02-16T21:00:00Z"


def test_candidate_batches_and_schema_records_import(workspace, flat_file, tmp_path) -> None:
    batch = tmp_path / "batch-2026-02-16-1855.json"
    candidate = {
        "topic_id": "0123456789ab",
        "subreddit": "todayilearned",
        "post_title": "TIL honey never spoils",
        "post_url": "https://reddit.com/r/todayilearned/comments/zz9/til_honey/",
        "score": 23485,
        "num_comments": 511,
        "velocity": 24507,
        "trendiness_score": 36978.0,
        "keywords": ["til", "honey"],
        "risk_flags": ["finance"],
        "hook": "Did you know? TIL honey never spoils...",
        "script_outline": {"duration_target": "30s"},
        "proposed_at": "2026-02-16T18:55:22.593551+00:00",
        "status": "proposed",
    }
    batch.write_text(json.dumps([candidate, {"nope": 1}], indent=2))
    records = tmp_path / "topics.sample.jsonl.gz"
    bad = {**SCHEMA_RECORD, "risk_flags": ["finance"]}  # not the schema's vocabulary
    with gzip.open(records, "wt") as fh:
        fh.write(json.dumps(SCHEMA_RECORD) + "\n" + json.dumps(bad) + "\n")
    report = import_files(workspace.db, [batch, records, flat_file])
    assert dict(report.formats) == {"candidate": 1, "topic_record": 1, "flat": 5}
    assert report.proposals == 1
    assert [e.where for e in report.errors] == ["item 2", "line 2"]
    assert "risk_flags/0: 'finance' is not one of" in report.errors[1].reason
    topics = _topics(workspace)
    honey = topics[topic_id_for("todayilearned", "zz9")]
    assert honey["record"]["risk_flags"] == ["finance_advice"]
    assert honey["record"]["raw"]["trendiness_score"] == 36978.0
    assert topics["sha1:deadbeef"]["record"]["metrics"]["comment_velocity_per_hour"] == 58.2
    for topic in topics.values():
        assert problems("topic_record", topic["record"]) == []


def test_detection_keywords_flags_and_titles() -> None:
    assert detect(SCHEMA_RECORD) == "topic_record"
    assert detect({"post_title": "x", "subreddit": "y"}) == "flat"
    assert detect({"post_title": "x", "subreddit": "y", "trendiness_score": 1}) == "candidate"
    assert detect([1]) is None
    assert keywords("TIL after spending 3 days with his arm trapped in a furnace, a man") == [
        "til",
        "spending",
        "days",
        "arm",
        "trapped",
        "furnace",
        "man",
    ]
    matcher = RiskMatcher({"finance_advice": ["buy", "stock"], "medical_claim": ["clinical trial"]})
    assert matcher.flags("A buyer's guide") == []  # whole words, not substrings
    assert matcher.flags("Even the stock market opens late") == ["finance_advice"]
    assert matcher.flags("A new Clinical  Trial", over_18=True) == ["adult", "medical_claim"]
    assert schema_flags(["medical", "finance", "politics", "weird"]) == [
        "medical_claim",
        "finance_advice",
        "politics",
        "other",
    ]
    assert clean_title("TIL that honey never spoils") == "Honey never spoils"
    assert clean_title("ELI5: Why is the sky blue?") == "Why is the sky blue?"

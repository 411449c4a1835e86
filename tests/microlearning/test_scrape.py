"""The praw scraper against a fake Reddit on 127.0.0.1: paging, 429s, 5xx, a timeout,
malformed JSON, refused credentials; partial results kept and reported; no secret leaks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from engine.microlearning.schemas import problems
from engine.microlearning.scrape import ScrapeError, scrape
from engine.workspace import Workspace
from store import topics as store_topics
from tests.microlearning.helpers import CLIENT_ID, CLIENT_SECRET, post


def _run(workspace, config, fake, **kwargs):
    waits: list[float] = []
    report = scrape(workspace.db, config, base_url=fake.url, sleep=waits.append, **kwargs)
    return report, waits


def _stored(workspace: Workspace) -> list[dict]:
    with workspace.db.connect() as con:
        return store_topics.by_status(con, ["proposed"])


def test_pages_through_listings_and_stores_valid_records(workspace, config, fake_reddit):
    fake_reddit.posts["science"] = [post("science", i, ups=600 + i) for i in range(23)]
    fake_reddit.posts["todayilearned"] = [post("todayilearned", i) for i in range(5)]
    fake_reddit.posts["todayilearned"].append(post("todayilearned", 99, ups=20))  # below min
    report, waits = _run(workspace, config, fake_reddit)
    assert report.complete, report.lines()
    science_hot = report.listings[0]
    assert (science_hot.fetched, science_hot.kept) == (23, 23)
    pages = [q for m, p, q in fake_reddit.requests if p == "/r/science/hot"]
    assert len(pages) == 3 and "after" in pages[1]  # 10 + 10 + 3, following `after`
    top = [q for m, p, q in fake_reddit.requests if p == "/r/science/top"]
    assert top[0]["t"] == ["day"]
    stored = _stored(workspace)
    assert len(stored) == 28  # hot and top list the same posts: stored once per run
    assert report.stored.observations == 28
    for topic in stored:
        assert problems("topic_record", topic["record"]) == []
    assert waits == []
    assert "590 requests left" in report.rate_limit


def test_first_sighting_velocity_uses_the_posts_age(workspace, config, fake_reddit):
    import datetime as dt

    config.scrape.subreddits = ["science"]
    config.scrape.sorts = ["hot"]
    fake_reddit.posts["science"] = [post("science", 1, ups=1000, comments=200, age_h=5.0)]
    capture = dt.datetime(2026, 2, 16, 19, 0, 0)
    _run(workspace, config, fake_reddit, clock=lambda: capture)
    metrics = _stored(workspace)[0]["record"]["metrics"]
    assert metrics["upvote_velocity_per_hour"] == 200.0  # 1000 / 5 h, not 1000 + 2 x 200
    assert metrics["comment_velocity_per_hour"] == 40.0
    # An hour later: measured against the previous observation.
    fake_reddit.posts["science"] = [post("science", 1, ups=1600, comments=230, age_h=6.0)]
    _run(workspace, config, fake_reddit, clock=lambda: capture + dt.timedelta(hours=1))
    topic = _stored(workspace)[0]
    assert topic["record"]["metrics"]["upvote_velocity_per_hour"] == 600.0
    assert topic["record"]["metrics"]["comment_velocity_per_hour"] == 30.0
    with workspace.db.connect() as con:
        assert len(store_topics.observations(con, topic["topic_id"])) == 2


def test_failures_are_retried_and_partial_progress_is_kept(workspace, config, fake_reddit):
    config.scrape.sorts = ["hot"]
    config.scrape.subreddits = ["science", "todayilearned", "nutrition", "psychology"]
    for sub in config.scrape.subreddits:
        fake_reddit.posts[sub] = [post(sub, i) for i in range(15)]
    # science: page 1, then a 429 (retry-after 2 s), a 500 and a timeout before page 2.
    fake_reddit.script["/r/science/hot"] = ["ok", ("429", 2), ("status", 500), ("sleep", 1.0)]
    # todayilearned: malformed JSON once.
    fake_reddit.script["/r/todayilearned/hot"] = ["badjson"]
    # nutrition: page 1 fine, then 503s until the retries run out.
    fake_reddit.script["/r/nutrition/hot"] = ["ok"] + [("status", 503)] * 10
    report, waits = _run(workspace, config, fake_reddit)

    lines = "\n".join(report.lines())
    science, til, nutrition, psychology = report.listings
    assert science.complete and science.fetched == 15 and science.retries == 3
    assert waits[0] == 2.0  # the 429's Retry-After
    assert any("timeout" in e for e in science.events)
    assert til.complete and til.retries == 1 and "malformed JSON" in til.events[0]
    assert not nutrition.complete and nutrition.fetched == 10
    assert "HTTP 503" in nutrition.error and "after 3 retries" in nutrition.error
    assert psychology.complete
    assert not report.complete and "partial (1 listing(s) incomplete)" in lines
    assert "r/nutrition hot: 10 read, 10 kept, 3 retries (partial: HTTP 503" in lines
    assert len(_stored(workspace)) == 15 + 15 + 10 + 15


def test_refused_credentials_stop_with_a_clear_report(workspace, config, fake_reddit):
    fake_reddit.token_status = 401
    report, _ = _run(workspace, config, fake_reddit)
    assert report.fatal and "refused the credentials" in report.fatal
    assert not report.complete
    assert CLIENT_SECRET not in "\n".join(report.lines())


def test_no_credentials_is_an_error_that_says_what_to_set(workspace, config, monkeypatch):
    for var in ("REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET", "praw_client_id", "praw_client_secret"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(ScrapeError, match="REDDIT_CLIENT_ID"):
        scrape(workspace.db, config, base_url="http://127.0.0.1:9")


def test_only_loopback_overrides_are_accepted(workspace, config, fake_reddit):
    with pytest.raises(ScrapeError, match="loopback"):
        scrape(workspace.db, config, base_url="http://example.org")


def test_the_cli_never_shows_or_stores_the_credentials(
    workspace, fake_reddit, tmp_path: Path
) -> None:
    fake_reddit.posts["science"] = [post("science", i) for i in range(12)]
    fake_reddit.script["/r/science/hot"] = [("status", 500)]
    (workspace.root / "microlearning.toml").write_text(
        (Path(__file__).resolve().parents[2] / "configs" / "microlearning.toml")
        .read_text()
        .replace('sorts = ["hot", "top"]', 'sorts = ["hot"]')
        .replace("backoff_s = 2.0", "backoff_s = 0.01"),
        encoding="utf-8",
    )
    env = {
        "REDDIT_CLIENT_ID": CLIENT_ID,
        "REDDIT_CLIENT_SECRET": CLIENT_SECRET,
        "QUIMBOT_REDDIT_BASE_URL": fake_reddit.url,
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
    }
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "quimbot_tui",
            "--workspace",
            str(workspace.root),
            "topics",
            "scrape",
            "--subreddit",
            "science",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "r/science hot: 12 read, 12 kept, 1 retries (ok)" in out.stdout
    assert "environment (REDDIT_CLIENT_ID, REDDIT_CLIENT_SECRET)" in out.stdout
    workspace.db.close()
    for path in [*workspace.root.rglob("*")]:
        if path.is_file():
            data = path.read_bytes()
            assert CLIENT_SECRET.encode() not in data, path
            assert CLIENT_ID.encode() not in data, path
    assert CLIENT_SECRET not in out.stdout + out.stderr
    assert CLIENT_ID not in out.stdout + out.stderr

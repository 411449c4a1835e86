"""Fixtures of the microlearning tests: a fake Reddit on 127.0.0.1, a fast config, small data
files in the original scraper's formats (written here, never read from ../shared)."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from engine.microlearning.config import MicrolearningConfig, load_config
from engine.workspace import Workspace
from tests.microlearning.helpers import (
    CLIENT_ID,
    CLIENT_SECRET,
    FLAT_ROWS,
    NOW,
    FakeReddit,
    flat_line,
    handler,
)


@pytest.fixture
def fake_reddit(monkeypatch: pytest.MonkeyPatch):
    fake = FakeReddit()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(fake))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("REDDIT_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("REDDIT_CLIENT_SECRET", CLIENT_SECRET)
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def config(workspace: Workspace) -> MicrolearningConfig:
    """The project's config with small, fast scrape settings."""
    cfg = load_config(workspace.root)
    cfg.scrape.subreddits = ["science", "todayilearned"]
    cfg.scrape.sorts = ["hot", "top"]
    cfg.scrape.limit = 25
    cfg.scrape.min_upvotes = 500
    cfg.scrape.timeout_s = 0.5
    cfg.scrape.max_retries = 3
    cfg.scrape.backoff_s = 0.01
    cfg.scrape.max_backoff_s = 5.0
    return cfg


@pytest.fixture
def flat_file(tmp_path: Path) -> Path:
    """A topics-YYYY-MM-DD-HH.jsonl in the original's flat format."""
    path = tmp_path / "topics-2026-02-16-18.jsonl"
    lines = [
        flat_line(
            sub,
            pid,
            title,
            score,
            comments,
            vel,
            ratio,
            flags,
            "2026-02-16T18:54:07.775519+00:00",
            NOW - 5 * 3600,
        )
        for sub, pid, title, score, comments, vel, ratio, flags, _ in FLAT_ROWS
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _close_database(workspace: Workspace):
    """Release the database when a test ends, not in a timer thread at interpreter exit."""
    yield
    workspace.db.close()

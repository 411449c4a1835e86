"""Every action that changes the workspace lands in the activity log once, with who and when,
whichever command did it (run as a user runs them: in subprocesses)."""

from __future__ import annotations

import json
from collections import Counter

from engine.workspace import Workspace
from tests.test_cli import cli


def test_each_workspace_change_is_recorded_once(demo_workspace: Workspace, tmp_path) -> None:
    ws = str(demo_workspace.root)
    demo_workspace.db.close()
    data = tmp_path / "mine.jsonl"
    chat = [
        {"role": "user", "content": "I goed to the market."},
        {"role": "assistant", "content": "You went to the market? What did you buy?"},
    ]
    data.write_text(json.dumps({"messages": chat}) + "\n", encoding="utf-8")
    topics = tmp_path / "topics-2026-02-16.jsonl"
    topics.write_text(
        json.dumps(
            {
                "topic_id": "0a1b2c3d4e5f",
                "subreddit": "languagelearning",
                "post_id": "abc123",
                "post_title": "How do you remember irregular verbs?",
                "post_url": "https://reddit.com/r/languagelearning/comments/abc123/verbs/",
                "score": 120,
                "num_comments": 40,
                "created_utc": 1771194387.0,
                "velocity": 200,
                "upvote_ratio": 0.97,
                "keywords": ["remember", "irregular", "verbs"],
                "risk_flags": [],
                "scraped_at": "2026-02-16T18:54:07.775519+00:00",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    steps = [
        ("data", "import", str(data), "--source", "mine"),
        ("mix", "build", "demo"),
        ("train", "start", "demo", "--set", "max_steps=4", "--set", "save_every=0"),
        ("train", "attach", "last"),
        ("export", "last", "--out", str(tmp_path / "export")),
        ("topics", "import", str(topics)),
    ]
    for step in steps:
        done = cli("--workspace", ws, *step)
        assert done.returncode == 0, f"{step}: {done.stderr[-2000:]}"

    with Workspace(demo_workspace.root).db.connect() as con:
        rows = con.execute(
            "SELECT action, subject, actor, happened_at FROM activity WHERE action <> 'demo.build'"
            " AND NOT (action = 'data.import' AND subject LIKE '%demo-data%') ORDER BY id"
        ).fetchall()
    counts = Counter(action for action, *_ in rows)
    assert counts == {
        "data.import": 1,
        "mix.build": 1,
        "run.start": 1,
        "export": 1,
        "topics.import": 1,
    }, rows
    assert all(actor and "@" in actor and when is not None for _, _, actor, when in rows)

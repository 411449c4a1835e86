"""``quimbot-tui topics ...`` as a user runs it: import, score, shortlist, queue, packets,
publish, approvals export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.microlearning.approvals import ApprovalSession
from engine.microlearning.schemas import problems
from engine.workspace import Workspace
from quimbot_tui.cli import main


def run(capsys: pytest.CaptureFixture[str], ws: Workspace, *args: str) -> tuple[int, str]:
    code = main(["--workspace", str(ws.root), "topics", *args])
    return code, capsys.readouterr().out


def test_the_pipeline_from_the_command_line(
    workspace: Workspace, flat_file: Path, tmp_path: Path, capsys
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"post_title": "x"}\n')
    code, out = run(capsys, workspace, "import", str(flat_file), str(bad))
    assert code == 2  # some lines rejected, the valid ones imported
    assert f"rejected: {bad}: line 1: not a topic record" in out
    assert "5 new topics" in out and "scored 5 topics with trendiness" in out

    code, out = run(capsys, workspace, "score", "--list")
    assert "trendiness-v0: trendiness" in out and "poc: poc" in out

    code, out = run(capsys, workspace, "score", "--version", "trendiness-v0", "--top", "3")
    lines = out.splitlines()
    assert lines[0] == "scored 5 topics with trendiness-v0 (0 seen recently)"
    assert lines[1].startswith("  1. [30183] r/todayilearned: TIL a very long title")
    assert lines[2].endswith("⚠ finance_advice ⚠ politics")

    code, out = run(capsys, workspace, "shortlist", "--top", "2")
    path = Path(out.splitlines()[-1].split(": ", 1)[1])
    assert problems("shortlist_record", json.loads(path.read_text())) == []
    assert "shortlist of 2 (trendiness-v0)" in out

    code, out = run(capsys, workspace, "packets")
    assert "no approved topics without a packet" in out

    session = ApprovalSession(workspace.db, approver="cli-test")
    code, out = run(capsys, workspace, "queue", "--top", "2")
    assert out.splitlines()[0] == "5 proposed"
    with workspace.db.connect() as con:
        rows = con.execute("SELECT topic_id FROM topics ORDER BY score DESC").fetchall()
        ids = [r[0] for r in rows]
    session.decide(ids[0], True)
    session.decide(ids[1], False, notes="off topic")
    session.decide(ids[2], True)
    workspace.db.close()

    code, out = run(capsys, workspace, "packets")
    assert code == 0 and "2 packet(s) drafted, 0 failed" in out
    code, out = run(capsys, workspace, "publish")
    assert "2 packet(s) published" in out
    published = sorted(workspace.packets_dir.glob("*/pkt_*.md"))
    assert len(published) == 2
    assert all(
        problems("content_packet", json.loads(p.with_suffix(".json").read_text())) == []
        for p in published
    )

    export = tmp_path / "approvals.jsonl"
    code, out = run(capsys, workspace, "approvals", "--export", str(export))
    records = [json.loads(line) for line in export.read_text().splitlines()]
    assert f"wrote 3 approval record(s) to {export}" in out
    assert [r["approved"] for r in records] == [True, False, True]
    assert all(problems("approval_record", r) == [] for r in records)
    code, out = run(capsys, workspace, "approvals")
    assert "rejected" in out and "off topic" in out
    code, out = run(capsys, workspace, "queue", "--status", "published")
    assert out.splitlines()[0] == "2 proposed, 2 published, 1 rejected"


def test_scrape_without_credentials_says_what_to_set(workspace, monkeypatch, capsys) -> None:
    for var in ("REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET", "praw_client_id", "praw_client_secret"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(workspace.root)
    code = main(["--workspace", str(workspace.root), "topics", "scrape"])
    assert code == 1
    assert "no Reddit credentials: set REDDIT_CLIENT_ID" in capsys.readouterr().err

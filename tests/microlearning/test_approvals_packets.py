"""Approval records, undo and edits, packets only for approved topics, publishing."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from engine.microlearning.approvals import ApprovalError, ApprovalSession, export
from engine.microlearning.importer import import_files
from engine.microlearning.packets import make_packets
from engine.microlearning.publish import publish
from engine.microlearning.schemas import problems
from engine.microlearning.scoring import rescore
from engine.workspace import Workspace
from store import approvals as store_approvals
from store import packets as store_packets
from store import topics as store_topics


@pytest.fixture
def queue(workspace: Workspace, config, flat_file: Path) -> list[dict[str, Any]]:
    import_files(workspace.db, [flat_file])
    rescore(workspace.db, config, "trendiness-v0")
    with workspace.db.connect() as con:
        return store_topics.queue(con)


def _status(workspace: Workspace, topic_id: str) -> str:
    with workspace.db.connect() as con:
        topic = store_topics.get(con, topic_id)
    assert topic is not None
    return str(topic["status"])


def test_decisions_are_schema_valid_approval_records(workspace, queue) -> None:
    session = ApprovalSession(workspace.db, approver="ana@host")
    a, b = queue[0]["topic_id"], queue[1]["topic_id"]
    row = session.decide(a, True)
    session.decide(b, False, notes="too political")
    assert row["approved_by"] == "ana@host" and row["method"] == "manual"
    assert (_status(workspace, a), _status(workspace, b)) == ("approved", "rejected")
    with workspace.db.connect() as con:
        rows = store_approvals.all_rows(con)
    records = [store_approvals.approval_record(r) for r in rows]
    assert all(problems("approval_record", r) == [] for r in records)
    assert records[1]["notes"] == "too political"
    with pytest.raises(ApprovalError, match="already approved"):
        session.decide(a, False)
    assert session.summary()["accepted rate"] == "50%"


def test_undo_and_edit_keep_every_record(workspace, queue, tmp_path) -> None:
    session = ApprovalSession(workspace.db, approver="ana@host")
    a, b, c = (t["topic_id"] for t in queue[:3])
    session.decide(a, True)
    session.skip(b)
    second = session.decide(c, False)
    assert session.undo().topic_id == c  # the decision on c
    assert _status(workspace, c) == "proposed"
    assert session.undo().kind == "skip"
    with workspace.db.connect() as con:
        current = store_approvals.current_for_topic(con, a)
    assert current is not None
    edited = session.edit(current["id"], approved=False, notes="on second thought")
    assert _status(workspace, a) == "rejected"
    assert edited["notes"] == "on second thought" and not edited["approved"]
    with workspace.db.connect() as con:
        everything = store_approvals.all_rows(con, include_revoked=True)
        in_force = store_approvals.all_rows(con)
    assert [(r["id"], r["revoked_reason"]) for r in everything] == [
        (current["id"], "edited"),
        (second["id"], "undone"),
        (edited["id"], None),
    ]
    assert [r["id"] for r in in_force] == [edited["id"]]
    assert session.counts["accepted"] == 0 and session.counts["rejected"] == 1
    out = tmp_path / "approvals.jsonl"
    assert export(workspace.db, out) == 1
    assert export(workspace.db, tmp_path / "all.json", include_revoked=True) == 3
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines == [store_approvals.approval_record(edited)]
    for record in json.loads((tmp_path / "all.json").read_text()):
        assert problems("approval_record", record) == []


def test_packets_only_for_approved_topics_and_published_as_json_and_markdown(
    workspace, config, queue
) -> None:
    session = ApprovalSession(workspace.db, approver="ana@host")
    approved = [t for t in queue if t["record"]["risk_flags"]][:2]
    rejected = next(t for t in queue if not t["record"]["risk_flags"])
    for topic in approved:
        session.decide(topic["topic_id"], True, notes="needs a source")
    session.decide(rejected["topic_id"], False)
    report = make_packets(workspace.db, config)
    assert sorted(t for t, _ in report.made) == sorted(t["topic_id"] for t in approved)
    assert not report.errors
    with workspace.db.connect() as con:
        drafts = store_packets.listing(con, "draft")
    assert len(drafts) == 2
    for draft in drafts:
        packet = draft["packet"]
        assert problems("content_packet", packet) == []
        assert packet["disclaimers"], "risk flags bring their disclaimers"
        assert packet["safety"]["notes"] == "Reviewer: needs a source"
        assert [b["beat"] for b in packet["script"]] == [1, 2, 3, 4]
        assert packet["hook"].startswith("Did you know?")
        assert _status(workspace, draft["topic_id"]) == "draft"
    assert make_packets(workspace.db, config).made == []  # nothing new to draft

    published = publish(workspace.db, workspace.packets_dir).published
    assert len(published) == 2
    for packet_id, json_path, md_path in published:
        assert json_path.parent.parent == workspace.packets_dir
        assert problems("content_packet", json.loads(json_path.read_text())) == []
        text = md_path.read_text()
        assert "## Script" in text and "### Beat 1 · 0:00–0:08" in text
        assert "**Voice-over:**" in text and "## Disclaimers" in text
        assert packet_id in text
    for topic in approved:
        assert _status(workspace, topic["topic_id"]) == "published"
    with pytest.raises(ApprovalError, match="published"):
        with workspace.db.connect() as con:
            current = store_approvals.current_for_topic(con, approved[0]["topic_id"])
        session.edit(current["id"], approved=False)


def test_changing_a_decision_withdraws_its_draft(workspace, config, queue) -> None:
    session = ApprovalSession(workspace.db, approver="ana@host")
    topic_id = queue[0]["topic_id"]
    row = session.decide(topic_id, True)
    make_packets(workspace.db, config)
    assert _status(workspace, topic_id) == "draft"
    session.edit(row["id"], approved=False)
    assert _status(workspace, topic_id) == "rejected"
    with workspace.db.connect() as con:
        assert store_packets.for_topic(con, topic_id) is None


class _FakeModel(BaseHTTPRequestHandler):
    replies: list[Any] = []
    seen: list[dict[str, Any]] = []

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append({"body": body, "auth": self.headers.get("Authorization")})
        reply = type(self).replies.pop(0)
        if isinstance(reply, int):
            self.send_response(reply)
            self.end_headers()
            return
        data = json.dumps({"choices": [{"message": {"content": reply}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def test_packets_from_an_openai_compatible_endpoint(workspace, config, queue, monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeModel)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    script = {
        "hook": "Forty percent cheaper batteries?",
        "beats": [
            {"voiceover": "Batteries are getting cheaper.", "on_screen_text": "-40%"},
            {"voiceover": "Here is why.", "visual_notes": "diagram"},
        ],
        "caption": "Cheaper batteries, explained.",
        "hashtags": ["#batteries", "#science"],
    }
    _FakeModel.replies = ["```json\n" + json.dumps(script) + "\n```", 500, "no json here"]
    _FakeModel.seen = []
    config.packets.model.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    config.packets.model.model = "tiny"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-key-123")
    session = ApprovalSession(workspace.db, approver="ana@host")
    for topic in queue[:3]:
        session.decide(topic["topic_id"], True)
    try:
        report = make_packets(workspace.db, config, generator="model")
    finally:
        server.shutdown()
        server.server_close()
    assert len(report.made) == 1
    assert sorted(reason for _, reason in report.errors) == [
        "the model endpoint answered HTTP 500",
        "the model's script is not JSON (Expecting value)",
    ]
    assert _FakeModel.seen[0]["auth"] == "Bearer sk-test-key-123"
    assert _FakeModel.seen[0]["body"]["model"] == "tiny"
    with workspace.db.connect() as con:
        draft = store_packets.listing(con, "draft")[0]
    assert draft["generator"] == "model:tiny"
    assert draft["packet"]["script"][0] == {
        "beat": 1,
        "voiceover": "Batteries are getting cheaper.",
        "on_screen_text": "-40%",
    }
    assert "#batteries" in draft["packet"]["hashtags"]
    assert problems("content_packet", draft["packet"]) == []
    assert "sk-test-key-123" not in json.dumps(draft, default=str)

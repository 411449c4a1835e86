"""The Topics screen driven by Pilot: approval keys, undo, flags and notes, editing a recent
decision, the inbox appearing live."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Label

from engine.microlearning.importer import import_files
from engine.microlearning.schemas import problems
from engine.microlearning.scoring import rescore
from engine.workspace import Workspace
from quimbot_tui.app import QuimbotApp
from quimbot_tui.screens.topic_dialogs import EditDecisionDialog, NoteDialog
from quimbot_tui.screens.topics import TopicsScreen
from store import approvals as store_approvals
from store import topics as store_topics

SIZE = (160, 48)


@pytest.fixture
def scored(workspace: Workspace, config, flat_file: Path) -> Workspace:
    import_files(workspace.db, [flat_file])
    rescore(workspace.db, config, "trendiness-v0")
    workspace.db.close()
    return workspace


async def settle(app: QuimbotApp, pilot, screen: TopicsScreen | None = None) -> None:
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if screen is not None and (screen.busy or screen.pending):
            continue


def queue_ids(screen: TopicsScreen) -> list[str]:
    return [t["topic_id"] for t in screen.topics]


def approvals(ws: Workspace, *, include_revoked: bool = False) -> list[dict]:
    with ws.db.connect() as con:
        return store_approvals.all_rows(con, include_revoked=include_revoked)


async def test_accept_reject_skip_undo_flag_and_note(scored: Workspace) -> None:
    app = QuimbotApp(scored, auto_demo=False, initial_mode="topics")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, TopicsScreen)
        await settle(app, pilot)
        order = queue_ids(screen)
        assert len(order) == 5 and screen.current_topic()["topic_id"] == order[0]
        scores = [t["score"] for t in screen.topics]
        assert scores == sorted(scores, reverse=True)

        await pilot.press("a")
        await settle(app, pilot)
        rows = approvals(scored)
        assert [(r["topic_id"], r["approved"], r["method"]) for r in rows] == [
            (order[0], True, "manual")
        ]
        assert queue_ids(screen) == order[1:]
        assert screen.query_one("#recent", DataTable).row_count == 1

        await pilot.press("x", "space")
        await settle(app, pilot)
        assert queue_ids(screen) == [order[3], order[4], order[2]]  # order[2] skipped
        assert screen.current_topic()["topic_id"] == order[3]
        progress = str(screen.query_one("#progress", Label).render())
        assert "done 2 · left 3 · accepted 50% · skipped 1" in progress

        await pilot.press("backspace")  # the skip
        await settle(app, pilot)
        assert screen.current_topic()["topic_id"] == order[2]
        await pilot.press("backspace")  # the rejection of order[1]
        await settle(app, pilot)
        assert screen.current_topic()["topic_id"] == order[1]
        assert [r["topic_id"] for r in approvals(scored)] == [order[0]]
        revoked = approvals(scored, include_revoked=True)[1]
        assert revoked["revoked_reason"] == "undone" and not revoked["approved"]

        await pilot.press("f")
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, NoteDialog)
        await pilot.press(*"needs a source", "enter")
        await settle(app, pilot)
        with scored.db.connect() as con:
            topic = store_topics.get(con, order[1])
        assert topic["flagged"] and topic["note"] == "needs a source"
        await pilot.press("a")
        await settle(app, pilot)
        last = approvals(scored)[-1]
        assert last["topic_id"] == order[1] and last["notes"] == "needs a source"
        for row in approvals(scored, include_revoked=True):
            assert problems("approval_record", store_approvals.approval_record(row)) == []


async def test_keys_pressed_quickly_are_stored_in_order(scored: Workspace) -> None:
    app = QuimbotApp(scored, auto_demo=False, initial_mode="topics")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await settle(app, pilot)
        order = queue_ids(screen)
        await pilot.press("a", "x", "a", "x")
        for _ in range(20):
            await settle(app, pilot)
            if not screen.busy and not screen.pending:
                break
        decided = [(r["topic_id"], r["approved"]) for r in approvals(scored)]
        assert decided == list(zip(order[:4], [True, False, True, False], strict=True))
        assert queue_ids(screen) == order[4:]


async def test_editing_a_recent_decision(scored: Workspace) -> None:
    app = QuimbotApp(scored, auto_demo=False, initial_mode="topics")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await settle(app, pilot)
        order = queue_ids(screen)
        await pilot.press("a", "a")
        await settle(app, pilot)
        await settle(app, pilot)
        recent = screen.query_one("#recent", DataTable)
        assert recent.row_count == 2
        await pilot.press("e")  # focus the recent decisions; the newest is first
        await pilot.press("down", "enter")  # the older one: order[0]
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, EditDecisionDialog) and dialog.row["topic_id"] == order[0]
        await pilot.press("x", "n")
        assert isinstance(app.focused, Input)
        await pilot.press(*"duplicate", "enter")
        await settle(app, pilot)
        current = {r["topic_id"]: r for r in approvals(scored)}
        assert not current[order[0]]["approved"] and current[order[0]]["notes"] == "duplicate"
        assert current[order[1]]["approved"]
        with scored.db.connect() as con:
            assert store_topics.get(con, order[0])["status"] == "rejected"
        # a / x on the focused list flip a decision directly; the edit is now the newest.
        assert app.focused is recent
        assert [r["topic_id"] for r in recent.rows_shown] == [order[0], order[1]]
        recent.move_cursor(row=1)
        await pilot.press("x")
        await settle(app, pilot)
        assert not {r["topic_id"]: r for r in approvals(scored)}[order[1]]["approved"]
        assert len(approvals(scored, include_revoked=True)) == 4
        await pilot.press("escape")
        assert app.focused is screen.query_one("#queue", DataTable)


async def test_files_dropped_into_the_inbox_appear_live(
    scored: Workspace, flat_file: Path, tmp_path: Path
) -> None:
    from tests.microlearning.helpers import NOW, flat_line

    app = QuimbotApp(scored, auto_demo=False, initial_mode="topics")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await settle(app, pilot)
        assert len(screen.topics) == 5
        await pilot.pause(0.3)  # the watcher is up
        dropped = tmp_path / "new-topics.jsonl"
        dropped.write_text(
            flat_line(
                "space",
                "z9",
                "Why is the sky dark at night?",
                5000,
                700,
                9000,
                0.97,
                [],
                "2026-02-16T20:00:00Z",
                NOW - 3600,
            )
            + "\n"
            + "{broken\n"
        )
        shutil.move(dropped, scored.inbox_dir / dropped.name)
        for _ in range(100):  # bounded: the watcher reacts within a fraction of a second
            await asyncio.sleep(0.05)
            await settle(app, pilot)
            if len(screen.topics) == 6:
                break
        assert len(screen.topics) == 6
        assert any(t["title"] == "Why is the sky dark at night?" for t in screen.topics)
        assert all(t["score"] is not None for t in screen.topics)
        assert (scored.inbox_dir / "imported" / dropped.name).is_file()
        errors = (scored.inbox_dir / "imported" / f"{dropped.name}.errors.txt").read_text()
        assert "line 2: invalid JSON" in errors


async def test_leaving_the_screen_posts_a_session_summary(scored: Workspace) -> None:
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    posted: list[dict] = []

    class Hook(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_POST(self) -> None:
            posted.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    scored.update_settings(webhooks=[{"url": url, "events": ["approvals.session"]}])
    app = QuimbotApp(scored, auto_demo=False, initial_mode="topics")
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("a")
            await settle(app, pilot)
            await pilot.press("x")
            await settle(app, pilot)
            await pilot.press("1")  # to the Data screen
            for _ in range(100):
                await settle(app, pilot)
                if posted:
                    break
                await asyncio.sleep(0.05)
    finally:
        server.shutdown()
        server.server_close()
    assert posted and posted[0]["event"] == "approvals.session"
    fields = posted[0]["fields"]
    assert (fields["accepted"], fields["rejected"], fields["accepted rate"]) == (1, 1, "50%")
    assert fields["left in queue"] == 3
    from store import activity as store_activity

    with scored.db.connect() as con:
        actions = [a["action"] for a in store_activity.recent(con)]
    assert {"topics.approve", "topics.reject", "topics.session"} <= set(actions)


async def test_palette_actions_rescore_draft_and_publish(scored: Workspace) -> None:
    from quimbot_tui.screens.topic_dialogs import ChoiceDialog

    app = QuimbotApp(scored, auto_demo=False, initial_mode="topics")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await settle(app, pilot)
        assert "scored with trendiness-v0" in str(screen.query_one("#queue-title").render())
        await app.run_action("choose_version", screen)
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("home", "enter")  # the first: poc
        await settle(app, pilot)
        await settle(app, pilot)
        assert "scored with poc" in str(screen.query_one("#queue-title").render())
        assert all(t["scoring_version"] == "poc" for t in screen.topics)
        await pilot.press("a")
        await settle(app, pilot)
        await app.run_action("make_packets", screen)
        await settle(app, pilot)
        await app.run_action("publish", screen)
        await settle(app, pilot)
    published = list(scored.packets_dir.glob("*/pkt_*.md"))
    assert len(published) == 1
    assert "## Script" in published[0].read_text()

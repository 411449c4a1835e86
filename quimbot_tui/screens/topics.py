"""Topics: approve scored Reddit topics, Prodigy style, one card at a time.

The queue is every proposed topic, best score first; the card is the highlighted row. ``a``
accepts, ``x`` rejects, ``space`` skips (to the end of the queue), ``backspace`` undoes the
last action, ``f`` flags, ``n`` writes a note. A decision is stored as an approval record by a
worker, and the next card shows only once it is committed; keys pressed meanwhile wait their
turn. The last ten decisions stay listed and editable (``e``, then Enter). Files dropped into
the workspace ``inbox/`` are imported and appear in the queue while the screen is open.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

from textual import on, work
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Label, ProgressBar

from engine.microlearning.approvals import ApprovalSession
from quimbot_tui.screens.base import WorkbenchScreen
from quimbot_tui.screens.topics_actions import PipelineActions
from quimbot_tui.widgets.recent_decisions import RecentDecisions
from quimbot_tui.widgets.topic_card import TopicCard
from quimbot_tui.widgets.topic_queue import TopicQueue
from store import approvals as store_approvals
from store import topics as store_topics

RECENT = 10


class TopicsScreen(PipelineActions, WorkbenchScreen):
    MODE = "topics"
    CSS_PATH = "topics.tcss"
    HELP = (
        "Approve scored Reddit topics for the microlearning pipeline, one card at a time: "
        "a accept, x reject, space skip, backspace undo, f flag, n note. Each decision is "
        "stored as an approval record before the next card shows. The last ten decisions "
        "are listed: e focuses them, Enter edits one. Files dropped into the workspace "
        "inbox/ appear in the queue. The palette scores with another version, drafts "
        "packets for approved topics and publishes them."
    )
    BINDINGS = [
        Binding("a", "accept", "Accept"),
        Binding("x", "reject", "Reject"),
        Binding("space", "skip", "Skip", key_display="space"),
        Binding("backspace", "undo", "Undo", key_display="⌫"),
        Binding("f", "flag", "Flag"),
        Binding("n", "note", "Note"),
        Binding("e", "edit_recent", "Edit recent"),
        Binding("escape", "back_to_queue", "Queue", show=False),
        Binding("r", "reload", "Reload", show=False),
    ]

    @classmethod
    def palette_commands(cls) -> Iterable[tuple[str, str, str]]:
        return (
            ("Score the queue with another version", "poc, trendiness, ...", "choose_version"),
            ("Draft packets for approved topics", "offline templates", "make_packets"),
            ("Draft packets with the model endpoint", "[packets.model]", "make_packets(True)"),
            ("Publish draft packets", "JSON and Markdown under packets/", "publish"),
            ("Scrape Reddit now", "configs/microlearning.toml [scrape]", "scrape"),
            ("Export approval records", "JSONL under exports/", "export_approvals"),
        )

    def __init__(self) -> None:
        super().__init__()
        self.topics: list[dict[str, Any]] = []
        self.skipped: list[str] = []
        self.pending: deque[tuple[str, bool]] = deque()
        self.busy = False
        self.config: Any = None
        self.session: ApprovalSession | None = None
        self.inbox: Any = None
        self.version = ""

    def compose_body(self) -> Iterable:
        with Horizontal(id="topics-body"):
            with Vertical(id="queue-pane"):
                yield Label("Queue", id="queue-title", classes="panel-title")
                yield TopicQueue(id="queue")
                yield Label(
                    "Recent decisions · e to edit", id="recent-title", classes="panel-title"
                )
                yield RecentDecisions(id="recent")
            with Vertical(id="card-pane"):
                with VerticalScroll(id="card-scroll"):
                    yield TopicCard("", id="card")
                yield Label("", id="progress")
                yield ProgressBar(id="progress-bar", show_eta=False)

    def on_mount(self) -> None:
        self.session = ApprovalSession(self.workspace.db)
        super().on_mount()
        from quimbot_tui.inbox_watcher import InboxWatcher

        self.inbox = InboxWatcher(
            self.app,
            self.workspace,
            lambda: self.config,
            self._inbox_imported,
            lambda message: self.notify(message, severity="error"),
        )
        self.inbox.start()

    # -- loading ---------------------------------------------------------------------------
    def reload(self) -> None:
        self.load_queue()

    @work(thread=True, exclusive=True, group="topics-load", exit_on_error=False)
    def load_queue(self) -> None:
        from engine.microlearning.config import load_config
        from engine.microlearning.scoring import current_version, rescore

        db = self.workspace.db
        if self.config is None:
            try:
                self.config = load_config(self.workspace.root)
            except ValueError as exc:
                self.app.call_from_thread(self.notify, str(exc), severity="error", timeout=10)
        with db.connect() as con:
            unscored = store_topics.unscored(con)
        if unscored and self.config is not None:
            rescore(db, self.config)
        version = current_version(db, self.config) if self.config is not None else ""
        with db.connect() as con:
            topics = store_topics.queue(con)
            recent = store_approvals.recent(con, limit=RECENT)
        self.app.call_from_thread(self._show_queue, topics, recent, version)

    def _show_queue(
        self, topics: list[dict[str, Any]], recent: list[dict[str, Any]], version: str
    ) -> None:
        self.version = version
        current = self.current_topic()
        by_id = {t["topic_id"]: t for t in topics}
        self.skipped = [s for s in self.skipped if s in by_id]
        ahead = [t for t in topics if t["topic_id"] not in set(self.skipped)]
        self.topics = ahead + [by_id[s] for s in self.skipped]
        self._fill_queue(current["topic_id"] if current else None)
        self._show_recent(recent)

    def _fill_queue(self, keep: str | None = None, index: int | None = None) -> None:
        if keep is not None:
            ids = [t["topic_id"] for t in self.topics]
            index = ids.index(keep) if keep in ids else index
        self.query_one("#queue", TopicQueue).fill(self.topics, index or 0)
        self._show_card()
        self._show_progress()

    def _show_recent(self, recent: list[dict[str, Any]]) -> None:
        self.query_one("#recent", RecentDecisions).show(recent)

    def _show_card(self) -> None:
        self.query_one("#card", TopicCard).show(
            self.current_topic(),
            "No topics waiting. Import files (quimbot-tui topics import), drop them into "
            f"{self.workspace.inbox_dir}, or scrape Reddit (Ctrl+P).",
        )

    def _show_progress(self) -> None:
        session = self.session
        done = session.decided if session else 0
        left = len(self.topics)
        rate = session.summary()["accepted rate"] if session else "–"
        skipped = session.counts["skipped"] if session else 0
        self.query_one("#progress", Label).update(
            f"done {done} · left {left} · accepted {rate} · skipped {skipped}"
        )
        bar = self.query_one("#progress-bar", ProgressBar)
        bar.update(total=max(done + left, 1), progress=done)
        version = f" · scored with {self.version}" if self.version else ""
        self.query_one("#queue-title", Label).update(f"Queue · {left} proposed{version}")

    def current_topic(self) -> dict[str, Any] | None:
        table = self.query_one("#queue", DataTable)
        if not self.topics or table.row_count == 0:
            return None
        return self.topics[min(table.cursor_row, len(self.topics) - 1)]

    @on(DataTable.RowHighlighted, "#queue")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_card()

    # -- decisions -------------------------------------------------------------------------
    def action_accept(self) -> None:
        self._enqueue("decide", True)

    def action_reject(self) -> None:
        self._enqueue("decide", False)

    def action_skip(self) -> None:
        self._enqueue("skip", False)

    def action_undo(self) -> None:
        self._enqueue("undo", False)

    def _enqueue(self, kind: str, approved: bool) -> None:
        self.pending.append((kind, approved))
        self._pump()

    def _pump(self) -> None:
        while not self.busy and self.pending:
            kind, approved = self.pending.popleft()
            topic = self.current_topic()
            if kind == "skip":
                if topic is not None:
                    self._skip(topic)
                continue
            if kind == "decide" and topic is None:
                self.notify("No topic to decide on.", timeout=3)
                continue
            if kind == "undo" and (self.session is None or not self.session.actions):
                self.notify("Nothing to undo in this session.", timeout=3)
                continue
            self.busy = True
            if kind == "decide":
                assert topic is not None
                self._write_decision(topic, approved)
            else:
                self._write_undo()

    def _skip(self, topic: dict[str, Any]) -> None:
        assert self.session is not None
        index = self.topics.index(topic)
        self.session.skip(topic["topic_id"])
        self.topics.remove(topic)
        self.topics.append(topic)
        self.skipped.append(topic["topic_id"])
        queue = self.query_one("#queue", TopicQueue)
        queue.remove(topic["topic_id"], index)
        queue.append(topic)
        queue.point_at(index)
        self._show_card()
        self._show_progress()

    @work(thread=True, group="topics-write", exit_on_error=False)
    def _write_decision(self, topic: dict[str, Any], approved: bool) -> None:
        assert self.session is not None
        try:
            row = self.session.decide(topic["topic_id"], approved)
            with self.workspace.db.connect() as con:
                recent = store_approvals.recent(con, limit=RECENT)
        except Exception as exc:
            self.app.call_from_thread(self._write_failed, exc)
            return
        self.app.call_from_thread(self._decided, topic, row, recent)
        self._maybe_report()

    def _decided(self, topic: dict[str, Any], row: dict[str, Any], recent: list) -> None:
        ids = [t["topic_id"] for t in self.topics]  # by id: a reload may have replaced it
        if topic["topic_id"] in ids:
            index = ids.index(topic["topic_id"])
            del self.topics[index]
            self.query_one("#queue", TopicQueue).remove(topic["topic_id"], index)
        self._show_card()
        self._show_progress()
        self._show_recent(recent)
        self.busy = False
        self._pump()

    def _write_failed(self, exc: Exception) -> None:
        self.busy = False
        self.pending.clear()
        self.notify(f"{type(exc).__name__}: {exc}", title="Not stored", severity="error")
        self.reload()

    @work(thread=True, group="topics-write", exit_on_error=False)
    def _write_undo(self) -> None:
        assert self.session is not None
        try:
            action = self.session.undo()
            with self.workspace.db.connect() as con:
                recent = store_approvals.recent(con, limit=RECENT)
                topic = store_topics.get(con, action.topic_id) if action else None
        except Exception as exc:
            self.app.call_from_thread(self._write_failed, exc)
            return
        self.app.call_from_thread(self._undone, action, topic, recent)

    def _undone(self, action: Any, topic: dict[str, Any] | None, recent: list) -> None:
        self.busy = False
        if action is not None and topic is not None:
            index = self.query_one("#queue", DataTable).cursor_row if self.topics else 0
            self.topics = [t for t in self.topics if t["topic_id"] != topic["topic_id"]]
            if action.topic_id in self.skipped:
                self.skipped.remove(action.topic_id)
            index = min(index, len(self.topics))
            self.topics.insert(index, topic)
            self._fill_queue(keep=topic["topic_id"])
            self.notify(f"Undone: {action.kind} of {' '.join(topic['title'].split())[:50]}")
        self._show_recent(recent)
        self._pump()

    def _maybe_report(self, *, force: bool = False, wait: bool = False) -> None:
        """Post an approvals.session summary (from a worker thread)."""
        session = self.session
        if session is None:
            return
        every = self.config.approvals.notify_every if self.config is not None else 0
        due = every and session.decided - session.reported >= every
        if force or due:
            session.report(self.workspace.root, left=len(self.topics), wait=wait)

    def on_screen_suspend(self) -> None:
        # A dialog or the palette on top is not leaving the screen; another mode is.
        if not self.app.screen.is_modal:
            self._report_in_background()

    def on_unmount(self) -> None:
        if self.inbox is not None:
            self.inbox.stop()
        if self.session is not None:  # the app is closing: post now, not in a thread
            self._maybe_report(force=True, wait=True)

    @work(thread=True, group="topics-report", exit_on_error=False)
    def _report_in_background(self) -> None:
        self._maybe_report(force=True)

    # -- flag, note, edit ------------------------------------------------------------------
    def action_flag(self) -> None:
        topic = self.current_topic()
        if topic is not None:
            topic["flagged"] = not topic.get("flagged")
            self._save_mark(topic["topic_id"], flagged=topic["flagged"])
            self.query_one("#queue", TopicQueue).refresh_topic(topic)
            self._show_card()

    def action_note(self) -> None:
        from quimbot_tui.screens.topic_dialogs import NoteDialog

        topic = self.current_topic()
        if topic is None:
            return

        def saved(note: str | None) -> None:
            if note is not None and topic is not None:
                topic["note"] = note or None
                self._save_mark(topic["topic_id"], note=note)
                self._show_card()

        self.app.push_screen(NoteDialog(topic["title"], topic.get("note")), saved)

    @work(thread=True, group="topics-write", exit_on_error=False)
    def _save_mark(self, topic_id: str, **marks: Any) -> None:
        from engine.microlearning import write_lock

        with write_lock, self.workspace.db.connect() as con:
            if "flagged" in marks:
                store_topics.set_flag(con, topic_id, marks["flagged"])
            if "note" in marks:
                store_topics.set_note(con, topic_id, marks["note"])

    def action_edit_recent(self) -> None:
        table = self.query_one("#recent", RecentDecisions)
        if self.focused is table:
            row = table.selected()
            if row is not None:
                table.post_message(RecentDecisions.EditRequested(row, None))
        elif table.row_count:
            table.focus()
        else:
            self.notify("No decisions yet.", timeout=3)

    def action_back_to_queue(self) -> None:
        self.query_one("#queue", DataTable).focus()

    @on(RecentDecisions.EditRequested)
    def _edit_requested(self, event: RecentDecisions.EditRequested) -> None:
        from quimbot_tui.screens.topic_dialogs import EditDecisionDialog

        row = event.row
        if event.approved is not None:
            self._write_edit(row["id"], {"approved": event.approved, "notes": row["notes"] or ""})
            return

        def answered(result: dict[str, Any] | None) -> None:
            if result is not None:
                self._write_edit(row["id"], result)

        self.app.push_screen(EditDecisionDialog(row), answered)

    @work(thread=True, group="topics-write", exit_on_error=False)
    def _write_edit(self, approval_id: int, change: dict[str, Any]) -> None:
        assert self.session is not None
        try:
            self.session.edit(approval_id, approved=change["approved"], notes=change["notes"])
            with self.workspace.db.connect() as con:
                recent = store_approvals.recent(con, limit=RECENT)
        except Exception as exc:
            self.app.call_from_thread(self.notify, str(exc), title="Not changed", severity="error")
            return
        self.app.call_from_thread(self._edited, recent)

    def _edited(self, recent: list[dict[str, Any]]) -> None:
        self._show_recent(recent)
        self._show_progress()
        self.notify("Decision changed.", timeout=3)

    def action_reload(self) -> None:
        self.reload()

    # -- the inbox -------------------------------------------------------------------------
    def _inbox_imported(self, results: list[Any]) -> None:
        for result in results:
            report = result.report
            rejected = f", {len(report.errors)} lines rejected" if report.errors else ""
            self.notify(
                f"{result.path.name}: {report.stored.new_topics} new topics{rejected}",
                title="Inbox",
                severity="warning" if report.errors else "information",
            )
        self.reload()

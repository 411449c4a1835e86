"""Human approval: each decision stored as an approval_record before the next card shows.

An ``ApprovalSession`` is one sitting at the Topics screen (or a script). ``decide`` writes
the approval record and the topic's new status in one transaction and returns only once they
are committed. ``undo`` takes back the session's last action (a skip, or a decision, which
is revoked and its topic proposed again); ``edit`` changes a recent decision or its notes
(the old record is revoked, the new one added). Nothing is ever deleted: revoked records stay
in the table with the reason. A topic whose packet is published can no longer change.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine import activity
from engine.microlearning import write_lock
from engine.microlearning.records import iso
from engine.microlearning.schemas import validate
from store import approvals as store_approvals
from store import packets as store_packets
from store import topics as store_topics
from store.db import Database, transaction


class ApprovalError(ValueError):
    """A decision that cannot be made (unknown topic, already decided, published)."""


@dataclass
class Action:
    kind: str
    """``decision`` or ``skip``."""
    topic_id: str
    approval_id: int | None = None


@dataclass
class ApprovalSession:
    db: Database
    approver: str = field(default_factory=activity.current_actor)
    session_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    actions: list[Action] = field(default_factory=list)
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            ("accepted", "rejected", "skipped", "undone", "edited"), 0
        )
    )
    reported: int = 0
    """Decisions already summarised in a notification."""
    reported_state: tuple[tuple[str, int], ...] = ()
    """The counts at the last summary: an unchanged session is not summarised again."""

    # -- decisions -------------------------------------------------------------------------
    def decide(self, topic_id: str, approved: bool, notes: str | None = None) -> dict[str, Any]:
        """Store the decision; returns the stored row (with its ``id``)."""
        with write_lock, self.db.connect() as con, transaction(con):
            topic = store_topics.get(con, topic_id)
            if topic is None:
                raise ApprovalError(f"no topic {topic_id}")
            if topic["status"] != "proposed":
                raise ApprovalError(f"{topic_id} is already {topic['status']}")
            record = self._record(topic_id, approved, notes or topic.get("note"))
            approval_id = store_approvals.add(con, record, session=self.session_id)
            store_topics.set_status(con, topic_id, "approved" if approved else "rejected")
            row = store_approvals.get(con, approval_id)
        assert row is not None
        self.actions.append(Action("decision", topic_id, approval_id))
        self.counts["accepted" if approved else "rejected"] += 1
        activity.log(
            self.db,
            "topics.approve" if approved else "topics.reject",
            topic_id,
            approval_id=approval_id,
            session=self.session_id,
        )
        return row

    def _record(self, topic_id: str, approved: bool, notes: str | None) -> dict[str, Any]:
        record: dict[str, Any] = {
            "topic_id": topic_id,
            "approved": approved,
            "approved_at": iso(dt.datetime.now(dt.UTC)),
            "approved_by": self.approver,
            "method": "manual",
        }
        if notes:
            record["notes"] = notes
        validate("approval_record", record)
        return record

    def skip(self, topic_id: str) -> None:
        self.actions.append(Action("skip", topic_id))
        self.counts["skipped"] += 1

    def undo(self) -> Action | None:
        """Take back the last action of this session; returns it (None if there is none)."""
        if not self.actions:
            return None
        action = self.actions[-1]
        if action.kind == "decision":
            assert action.approval_id is not None
            with write_lock, self.db.connect() as con, transaction(con):
                self._reopen(con, action.topic_id)
                store_approvals.revoke(con, action.approval_id, "undone")
                store_topics.set_status(con, action.topic_id, "proposed")
            activity.log(self.db, "topics.undo", action.topic_id, approval_id=action.approval_id)
            row = None
            with self.db.connect() as con:
                row = store_approvals.get(con, action.approval_id)
            if row is not None:
                self.counts["accepted" if row["approved"] else "rejected"] -= 1
            self.counts["undone"] += 1
        else:
            self.counts["skipped"] -= 1
        self.actions.pop()
        return action

    def edit(
        self, approval_id: int, *, approved: bool | None = None, notes: str | None = None
    ) -> dict[str, Any]:
        """Change a decision in force (its outcome, its notes, or both)."""
        with write_lock, self.db.connect() as con, transaction(con):
            old = store_approvals.get(con, approval_id)
            if old is None or old["revoked_at"] is not None:
                raise ApprovalError(f"approval {approval_id} is not in force")
            now_approved = old["approved"] if approved is None else approved
            topic_id = old["topic_id"]
            if now_approved != old["approved"]:
                self._reopen(con, topic_id)
            record = self._record(topic_id, now_approved, old["notes"] if notes is None else notes)
            store_approvals.revoke(con, approval_id, "edited")
            new_id = store_approvals.add(con, record, session=self.session_id)
            topic = store_topics.get(con, topic_id)
            changed = now_approved != old["approved"]
            if topic is not None and (changed or topic["status"] in ("approved", "rejected")):
                store_topics.set_status(con, topic_id, "approved" if now_approved else "rejected")
            row = store_approvals.get(con, new_id)
        assert row is not None
        for action in self.actions:
            if action.approval_id == approval_id:
                action.approval_id = new_id
                if now_approved != old["approved"]:
                    self.counts["accepted"] += 1 if now_approved else -1
                    self.counts["rejected"] += -1 if now_approved else 1
        self.counts["edited"] += 1
        activity.log(self.db, "topics.edit", topic_id, approval_id=new_id, replaces=approval_id)
        return row

    @staticmethod
    def _reopen(con: Any, topic_id: str) -> None:
        """A decision on this topic is about to change: refuse if published, drop a draft."""
        topic = store_topics.get(con, topic_id)
        if topic is not None and topic["status"] == "published":
            raise ApprovalError(f"{topic_id} is published; its decision can no longer change")
        store_packets.withdraw(con, topic_id)

    # -- the session -----------------------------------------------------------------------
    @property
    def decided(self) -> int:
        return self.counts["accepted"] + self.counts["rejected"]

    def summary(self) -> dict[str, Any]:
        decided = self.decided
        rate = f"{self.counts['accepted'] / decided:.0%}" if decided else "–"
        return {
            "approver": self.approver,
            "session": self.session_id,
            "decided": decided,
            "accepted": self.counts["accepted"],
            "rejected": self.counts["rejected"],
            "skipped": self.counts["skipped"],
            "undone": self.counts["undone"],
            "edited": self.counts["edited"],
            "accepted rate": rate,
        }

    def report(self, workspace_root: Path, *, left: int | None = None, wait: bool = False) -> bool:
        """Post an approvals.session notification if the session changed since the last one.

        ``wait`` posts before returning (once, with a short timeout): for a process about to
        exit, whose background posts would die with it.
        """
        from engine.notify import notify

        state = tuple(sorted(self.counts.items()))
        if (not self.decided and not self.counts["edited"]) or state == self.reported_state:
            return False
        fields = self.summary()
        if left is not None:
            fields["left in queue"] = left
        notify(
            workspace_root,
            "approvals.session",
            f"Topic approvals: {fields['accepted']} accepted, {fields['rejected']} rejected",
            fields,
            wait=wait,
            retries=1 if wait else 3,
            timeout=3.0 if wait else 5.0,
        )
        activity.log(self.db, "topics.session", self.session_id, **fields)
        self.reported = self.decided
        self.reported_state = state
        return True


def recent(db: Database, limit: int = 10) -> list[dict[str, Any]]:
    with db.connect() as con:
        return store_approvals.recent(con, limit=limit)


def export(db: Database, path: Path, *, include_revoked: bool = False) -> int:
    """Write approval records (the decisions in force, or every one ever made) as JSONL, or
    as a JSON array when ``path`` ends in .json. Returns how many were written."""
    with db.connect() as con:
        rows = store_approvals.all_rows(con, include_revoked=include_revoked)
    records = [store_approvals.approval_record(r) for r in rows]
    for record in records:
        validate("approval_record", record)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".json":
        text = json.dumps(records, ensure_ascii=False, indent=2) + "\n"
    else:
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    activity.log(db, "topics.approvals.export", str(path), records=len(records))
    return len(records)

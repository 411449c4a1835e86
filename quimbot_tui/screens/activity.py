"""The activity log: who changed the workspace, what, and when."""

from __future__ import annotations

import json
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from store import activity as store_activity


class ActivityScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    ActivityScreen { align: center middle; }
    ActivityScreen > Vertical { width: 95%; height: 85%; border: thick $accent;
                                background: $surface; padding: 0 1; }
    ActivityScreen DataTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape,f3", "close", "Close", key_display="Esc"),
        Binding("r", "reload", "Reload"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Activity log (newest first)", id="activity-title", classes="panel-title")
            yield DataTable(id="activity", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("when (UTC)", "who", "action", "subject", "detail")
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load(self) -> None:
        db = self.app.workspace.db  # type: ignore[attr-defined]
        with db.connect() as con:
            rows = store_activity.recent(con, limit=500)
        self.app.call_from_thread(self._show, rows)

    def _show(self, rows: list[dict[str, Any]]) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for r in rows:
            detail = json.dumps(r["detail"], ensure_ascii=False) if r["detail"] else ""
            table.add_row(
                str(r["at"])[:19], r["actor"], r["action"], r["subject"] or "", detail[:120]
            )
        self.query_one("#activity-title", Label).update(
            f"Activity log · {len(rows)} most recent actions (newest first)"
        )
        table.focus()

    def action_reload(self) -> None:
        self.load()

    def action_close(self) -> None:
        self.dismiss(None)

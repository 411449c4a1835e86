"""The last decisions of the Topics screen, newest first, each one editable.

Enter on a row asks for the edit dialog; ``a`` and ``x`` on a row change its decision at once.
Either way the widget only posts ``EditRequested``: the screen stores the change.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

COLUMNS = (("", 1), ("when (UTC)", 10), ("title", 60), ("notes", 30))


class RecentDecisions(DataTable):
    BINDINGS = [
        Binding("a", "change(True)", "Accept it instead", show=False),
        Binding("x", "change(False)", "Reject it instead", show=False),
    ]

    class EditRequested(Message):
        """Edit ``row``: to ``approved`` at once, or through the dialog when it is None."""

        def __init__(self, row: dict[str, Any], approved: bool | None) -> None:
            super().__init__()
            self.row = row
            self.approved = approved

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", **kwargs)
        self.rows_shown: list[dict[str, Any]] = []

    def on_mount(self) -> None:
        for label, width in COLUMNS:
            self.add_column(label, width=width)

    def show(self, rows: list[dict[str, Any]]) -> None:
        self.rows_shown = rows
        cursor = self.cursor_row
        self.clear()
        for row in rows:
            mark = Text("✓", style="bold green") if row["approved"] else Text("✗", style="bold red")
            self.add_row(
                mark,
                str(row["approved_at"])[11:19],
                " ".join((row["title"] or row["topic_id"]).split())[:60],
                row["notes"] or "",
                key=str(row["id"]),
            )
        if rows:
            self.move_cursor(row=min(cursor, len(rows) - 1))

    def selected(self) -> dict[str, Any] | None:
        if not self.rows_shown:
            return None
        return self.rows_shown[min(self.cursor_row, len(self.rows_shown) - 1)]

    def action_change(self, approved: bool) -> None:
        row = self.selected()
        if row is not None and row["approved"] != approved:
            self.post_message(self.EditRequested(row, approved))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        row = self.selected()
        if row is not None:
            self.post_message(self.EditRequested(row, None))

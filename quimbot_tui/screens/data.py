"""Data: browse, search and inspect the indexed training records."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual import on, work
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Label

from quimbot_tui.screens.base import WorkbenchScreen
from quimbot_tui.widgets.chat_view import ChatView
from store import records as store_records

PAGE = 100


class DataScreen(WorkbenchScreen):
    MODE = "data"
    CSS_PATH = "data.tcss"
    HELP = (
        "Every imported record with its source, turn count, approximate tokens and "
        "validation flags. Pages are fetched in the background; the selected record is "
        "shown as a chat on the right, beside per-source statistics."
    )
    BINDINGS = [
        Binding("slash", "focus_search", "Search", key_display="/"),
        Binding("n", "page(1)", "Next page"),
        Binding("p", "page(-1)", "Prev page"),
        Binding("g", "first_page", "First page", show=False),
        Binding("G", "last_page", "Last page", show=False),
        Binding("r", "reload", "Reload"),
        Binding("escape", "clear_search", "Clear search", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.record_filter = store_records.RecordFilter()
        self.page_offset = 0
        self.record_total = 0

    def compose_body(self) -> Iterable:
        with Horizontal(id="data-body"):
            with Vertical(id="records-pane"):
                yield Input(placeholder="Search messages (Enter) …", id="search")
                yield Label("Loading records…", id="records-status", classes="panel-title")
                yield DataTable(id="records", cursor_type="row", zebra_stripes=True)
            with Vertical(id="side-pane"):
                yield Label("Sources", classes="panel-title")
                yield DataTable(id="sources", cursor_type="row", show_cursor=False)
                yield Label("Record", id="record-title", classes="panel-title")
                yield ChatView(id="record-chat")

    def on_mount(self) -> None:
        table = self.query_one("#records", DataTable)
        table.add_columns("id", "source", "turns", "~tokens", "flags", "first user message")
        sources = self.query_one("#sources", DataTable)
        sources.add_columns("source", "records", "avg turns", "avg ~tokens", "flagged")
        super().on_mount()
        table.focus()

    # -- loading -------------------------------------------------------------------------
    def reload(self) -> None:
        self.load_stats()
        self.load_page(self.page_offset)

    @work(thread=True, exclusive=True, group="data-stats", exit_on_error=False)
    def load_stats(self) -> None:
        with self.workspace.db.connect() as con:
            stats = store_records.source_stats(con)
        self.app.call_from_thread(self._show_stats, stats)

    def _show_stats(self, stats: list[store_records.SourceStats]) -> None:
        table = self.query_one("#sources", DataTable)
        table.clear()
        for s in stats:
            table.add_row(
                s.source,
                f"{s.records:,}",
                f"{s.avg_turns:.1f}",
                f"{s.avg_tokens:.0f}",
                f"{s.flagged:,}",
            )
        if not stats:
            table.add_row("(no records yet)", "", "", "", "")

    @work(thread=True, exclusive=True, group="data-page", exit_on_error=False)
    def load_page(self, offset: int) -> None:
        with self.workspace.db.connect() as con:
            total = store_records.count(con, self.record_filter)
            offset = max(0, min(offset, max(0, total - 1) // PAGE * PAGE))
            rows = store_records.page(con, self.record_filter, offset=offset, limit=PAGE)
        self.app.call_from_thread(self._show_page, offset, total, rows)

    def _show_page(self, offset: int, total: int, rows: list[store_records.RecordRow]) -> None:
        self.page_offset, self.record_total = offset, total
        table = self.query_one("#records", DataTable)
        table.clear()
        for r in rows:
            table.add_row(
                str(r.id),
                r.source,
                str(r.turns),
                str(r.approx_tokens),
                ",".join(r.flags),
                r.first_user.replace("\n", " ")[:120],
                key=str(r.id),
            )
        status = self.query_one("#records-status", Label)
        if total:
            status.update(
                f"Records {offset + 1:,}–{offset + len(rows):,} of {total:,}"
                + (
                    f"  (search: {self.record_filter.search!r})"
                    if self.record_filter.search
                    else ""
                )
            )
        elif self.record_filter.search:
            status.update(f"No record matches {self.record_filter.search!r}")
        else:
            status.update(
                "No records yet: the demo workspace is being built, or import data "
                "with `quimbot-tui data import PATH`"
            )
        if not rows:
            self.query_one("#record-chat", ChatView).show([])
        self.call_after_refresh(self.quimbot.probe, "first_records")

    @work(thread=True, exclusive=True, group="data-record", exit_on_error=False)
    def load_record(self, record_id: int) -> None:
        with self.workspace.db.connect() as con:
            record = store_records.get(con, record_id)
        if record is not None:
            self.app.call_from_thread(self._show_record, record)

    def _show_record(self, record: dict[str, Any]) -> None:
        title = f"Record {record['id']} · {record['source']} · line {record['line_no']}"
        if record["flags"]:
            title += f" · flags: {', '.join(record['flags'])}"
        self.query_one("#record-title", Label).update(title)
        self.query_one("#record-chat", ChatView).show(record["messages"])

    # -- events and actions --------------------------------------------------------------
    @on(DataTable.RowHighlighted, "#records")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self.load_record(int(event.row_key.value))

    @on(Input.Submitted, "#search")
    def _search(self, event: Input.Submitted) -> None:
        self.record_filter.search = event.value.strip()
        self.load_page(0)
        self.query_one("#records", DataTable).focus()

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_clear_search(self) -> None:
        search = self.query_one("#search", Input)
        if search.value or self.record_filter.search:
            search.value = ""
            self.record_filter.search = ""
            self.load_page(0)
        self.query_one("#records", DataTable).focus()

    def action_page(self, delta: int) -> None:
        self.load_page(max(0, self.page_offset + delta * PAGE))

    def action_first_page(self) -> None:
        self.load_page(0)

    def action_last_page(self) -> None:
        self.load_page(max(0, self.record_total - 1) // PAGE * PAGE)

    def action_reload(self) -> None:
        self.reload()

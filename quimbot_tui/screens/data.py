"""Data: browse, filter, search and inspect the indexed training records.

Every query runs in a thread worker: pages are fetched by id (keyset), so the last page of a
million records costs what the first does; the total under a filter or search is counted in
its own worker, so the page shows before the count is known.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from textual import on, work
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Label, Select, Static, TabbedContent, TabPane
from textual.worker import get_current_worker

from quimbot_tui.screens.base import WorkbenchScreen
from quimbot_tui.widgets.chat_view import ChatView
from quimbot_tui.widgets.record_views import RawJsonView, TrainedTokensView
from store import records as store_records

PAGE = 100
FLAGS = ("last_not_assistant", "role_order", "has_system")
TABS = {"chat": "tab-chat", "json": "tab-json", "trained": "tab-trained",
        "sources": "tab-sources", "rejects": "tab-rejects"}  # fmt: skip


def parse_range(text: str) -> tuple[int | None, int | None]:
    """``"2-4"``, ``"3"``, ``"-500"``, ``"100-"`` as (min, max); raises ValueError."""
    text = text.strip().replace(" ", "")
    if not text:
        return None, None
    if "-" not in text:
        n = int(text)
        return n, n
    low, _, high = text.partition("-")
    return (int(low) if low else None), (int(high) if high else None)


class DataScreen(WorkbenchScreen):
    MODE = "data"
    CSS_PATH = "data.tcss"
    HELP = (
        "Every imported record with its source, turns, approximate tokens and validation "
        "flags, a page at a time (fetched in the background by id, so any page of millions of "
        "records is as quick as the first). Filter by source, flag, turns and ~tokens; search "
        "every message (plain text, or re:PATTERN for a regular expression). The selected "
        "record shows as a chat, as highlighted JSON, and as the chosen model's chat template "
        "renders it with the trained tokens highlighted against the maximum length. The "
        "Sources tab has per-source statistics; the Rejects tab every rejected line with its "
        "file, line and reason."
    )
    BINDINGS = [
        Binding("slash", "focus_search", "Search", key_display="/"),
        Binding("f", "focus_filters", "Filters"),
        Binding("n", "page('next')", "Next page"),
        Binding("p", "page('prev')", "Prev page"),
        Binding("g", "page('first')", "First page", show=False),
        Binding("G", "page('last')", "Last page", show=False),
        Binding("c", "tab('chat')", "Chat"),
        Binding("j", "tab('json')", "JSON"),
        Binding("t", "tab('trained')", "Trained"),
        Binding("s", "tab('sources')", "Sources", show=False),
        Binding("x", "tab('rejects')", "Rejects", show=False),
        Binding("r", "reload", "Reload"),
        Binding("escape", "clear_search", "Clear search and filters", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.record_filter = store_records.RecordFilter()
        self.page_offset: int | None = 0
        self.record_total: int | None = None
        self.first_id: int | None = None
        self.last_id: int | None = None
        self.page_rows = 0
        self.record: dict[str, Any] | None = None
        self.tokenizers: dict[str, Any] = {}

    def compose_body(self) -> Iterable:
        with Horizontal(id="data-body"):
            with Vertical(id="records-pane"):
                with Horizontal(id="filters"):
                    yield Select([], id="filter-source", prompt="all sources")
                    yield Select([(f, f) for f in FLAGS], id="filter-flag", prompt="any flag")
                    yield Input(placeholder="turns: 2-4", id="filter-turns")
                    yield Input(placeholder="~tokens: -500", id="filter-tokens")
                yield Input(placeholder="Search messages (Enter; re:PATTERN for a regex) …",
                            id="search")  # fmt: skip
                yield Label("Loading records…", id="records-status", classes="panel-title")
                yield DataTable(id="records", cursor_type="row", zebra_stripes=True)
            with Vertical(id="side-pane"):
                yield Label("Record", id="record-title", classes="panel-title")
                with TabbedContent(id="record-tabs", initial="tab-chat"):
                    with TabPane("Chat", id="tab-chat"):
                        yield ChatView(id="record-chat")
                    with TabPane("JSON", id="tab-json"):
                        yield RawJsonView(id="record-json")
                    with TabPane("Trained", id="tab-trained"):
                        yield Select([], id="trained-model", prompt="model")
                        yield TrainedTokensView(id="trained")
                    with TabPane("Sources", id="tab-sources"):
                        yield DataTable(id="sources", cursor_type="row")
                        yield Static("", id="sources-summary", classes="muted")
                    with TabPane("Rejects", id="tab-rejects"):
                        yield DataTable(id="rejects", cursor_type="row", zebra_stripes=True)
                        yield Static("", id="reject-raw")

    def on_mount(self) -> None:
        table = self.query_one("#records", DataTable)
        table.add_columns("id", "source", "turns", "~tokens", "flags", "first user message")
        self.query_one("#sources", DataTable).add_columns(
            "source", "records", "avg turns", "avg ~tokens", "max ~tokens", "flagged"
        )
        self.query_one("#rejects", DataTable).add_columns("source", "file:line", "reason", "detail")
        super().on_mount()
        table.focus()

    # -- loading -------------------------------------------------------------------------
    def reload(self) -> None:
        self.load_stats()
        self.load_page("reload")
        self.load_count(replace(self.record_filter))
        self.load_models()
        if self._active_tab() == "rejects":
            self.load_rejects()

    @work(thread=True, exclusive=True, group="data-stats", exit_on_error=False)
    def load_stats(self) -> None:
        with self.workspace.db.connect() as con:
            stats = store_records.source_stats(con)
            reasons = store_records.reject_counts(con)
            imports = len(store_records.imports(con))
        self.app.call_from_thread(self._show_stats, stats, reasons, imports)

    def _show_stats(
        self, stats: list[store_records.SourceStats], reasons: list[Any], imports: int
    ) -> None:
        table = self.query_one("#sources", DataTable)
        table.clear()
        for s in stats:
            table.add_row(s.source, f"{s.records:,}", f"{s.avg_turns:.1f}", f"{s.avg_tokens:.0f}",
                          f"{s.max_tokens:,}", f"{s.flagged:,}")  # fmt: skip
        if not stats:
            table.add_row("(no records yet)", "", "", "", "", "")
        total = sum(s.records for s in stats)
        rejected = ", ".join(f"{r} {n:,}" for r, n in reasons) or "none"
        self.query_one("#sources-summary", Static).update(
            f"{total:,} records in {len(stats)} sources from {imports} imports.\n"
            f"Rejected lines: {rejected} (the Rejects tab, x, lists them)."
        )
        select = self.query_one("#filter-source", Select)
        current = select.value
        select.set_options([(s.source, s.source) for s in stats])
        if current in {s.source for s in stats}:
            select.value = current

    def load_page(self, move: str) -> None:
        """Fetch a page: ``first``, ``next``, ``prev``, ``last``, or ``reload`` (this one)."""
        self._fetch_page(
            move,
            replace(self.record_filter),
            self.first_id,
            self.last_id,
            self.page_offset,
            self.page_rows,
        )

    @work(thread=True, exclusive=True, group="data-page", exit_on_error=False)
    def _fetch_page(
        self,
        move: str,
        flt: store_records.RecordFilter,
        first: int | None,
        last: int | None,
        offset: int | None,
        rows_now: int,
    ) -> None:
        with self.workspace.db.connect() as con:
            if move == "next" and last is not None:
                rows = store_records.page(con, flt, after_id=last, limit=PAGE)
                offset = None if offset is None else offset + rows_now
            elif move == "prev" and first is not None:
                rows = store_records.page(con, flt, before_id=first, limit=PAGE)
                offset = None if offset is None else max(0, offset - len(rows))
            elif move == "last":
                rows = store_records.page(con, flt, from_end=True, limit=PAGE)
                offset = None
            elif move == "reload" and first is not None:
                rows = store_records.page(con, flt, after_id=first - 1, limit=PAGE)
            else:
                rows, offset = store_records.page(con, flt, limit=PAGE), 0
        if get_current_worker().is_cancelled:
            return
        if not rows and move in ("next", "prev"):
            return  # already at the end
        self.app.call_from_thread(self._show_page, rows, offset)

    @work(thread=True, exclusive=True, group="data-count", exit_on_error=False)
    def load_count(self, flt: store_records.RecordFilter) -> None:
        with self.workspace.db.connect() as con:
            total = store_records.count(con, flt)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_count, flt, total)

    def _show_count(self, flt: store_records.RecordFilter, total: int) -> None:
        if flt != self.record_filter:
            return
        self.record_total = total
        if self.page_offset is None:
            self.page_offset = max(0, total - self.page_rows)
        self._update_status()

    def _show_page(self, rows: list[store_records.RecordRow], offset: int | None) -> None:
        if offset is None and self.record_total is not None:
            offset = max(0, self.record_total - len(rows))
        self.page_offset, self.page_rows = offset, len(rows)
        self.first_id = rows[0].id if rows else None
        self.last_id = rows[-1].id if rows else None
        table = self.query_one("#records", DataTable)
        table.clear()
        for r in rows:
            table.add_row(str(r.id), r.source, str(r.turns), str(r.approx_tokens),
                          ",".join(r.flags), r.first_user.replace("\n", " ")[:120],
                          key=str(r.id))  # fmt: skip
        if not rows:
            self._show_record(None)
        self._update_status()
        self.call_after_refresh(self.quimbot.probe, "first_records")

    def _update_status(self) -> None:
        status = self.query_one("#records-status", Label)
        flt, total, rows = self.record_filter, self.record_total, self.page_rows
        described = self._filter_text()
        if rows:
            where = "…" if self.page_offset is None else f"{self.page_offset + 1:,}"
            end = "" if self.page_offset is None else f"{self.page_offset + rows:,}"
            of = "counting…" if total is None else f"{total:,}"
            status.update(f"Records {where}–{end} of {of}{described}")
        elif flt.search or described:
            status.update(f"No record matches{described}")
        else:
            status.update(
                "No records yet: the demo workspace is being built, or import data "
                "with `quimbot-tui data import PATH`"
            )

    def _filter_text(self) -> str:
        f = self.record_filter
        parts = []
        if f.search:
            parts.append(f"{'regex' if f.regex else 'search'}: {f.search!r}")
        if f.sources:
            parts.append(f"source {', '.join(f.sources)}")
        if f.flag:
            parts.append(f"flag {f.flag}")
        if f.min_turns is not None or f.max_turns is not None:
            parts.append(f"turns {f.min_turns or ''}-{f.max_turns or ''}")
        if f.min_tokens is not None or f.max_tokens is not None:
            parts.append(f"~tokens {f.min_tokens or ''}-{f.max_tokens or ''}")
        return f"  ({'; '.join(parts)})" if parts else ""

    def _refilter(self) -> None:
        self.record_total, self.first_id, self.last_id = None, None, None
        self.load_page("first")
        self.load_count(replace(self.record_filter))

    # -- the selected record -------------------------------------------------------------
    @work(thread=True, exclusive=True, group="data-record", exit_on_error=False)
    def load_record(self, record_id: int) -> None:
        with self.workspace.db.connect() as con:
            record = store_records.get(con, record_id)
        if record is not None and not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_record, record)

    def _show_record(self, record: dict[str, Any] | None) -> None:
        self.record = record
        title = self.query_one("#record-title", Label)
        if record is None:
            title.update("Record")
            self.query_one("#record-chat", ChatView).show([])
            self.query_one("#record-json", RawJsonView).show(None)
            return
        text = f"Record {record['id']} · {record['source']} · line {record['line_no']}"
        if record["flags"]:
            text += f" · flags: {', '.join(record['flags'])}"
        title.update(text)
        self.query_one("#record-chat", ChatView).show(record["messages"])
        self.query_one("#record-json", RawJsonView).show(record)
        if self._active_tab() == "trained":
            self.load_trained()

    @work(thread=True, exclusive=True, group="data-models", exit_on_error=False)
    def load_models(self) -> None:
        from engine.models import list_models

        names = [m.name for m in list_models(self.workspace.models_dir)]
        self.app.call_from_thread(self._show_models, names)

    def _show_models(self, names: list[str]) -> None:
        select = self.query_one("#trained-model", Select)
        current = select.value
        select.set_options([(n, n) for n in names])
        if current in names:
            select.value = current
        elif names:
            select.value = names[0]
        else:
            self.query_one("#trained", TrainedTokensView).show_message(
                "No model in the workspace yet: the demo builds one, or put a model folder "
                "in models/."
            )

    def load_trained(self) -> None:
        """Render the selected record through the selected model's chat template."""
        model = self.query_one("#trained-model", Select).value
        if self.record is not None and isinstance(model, str):
            self._render_trained(model, self.record, self.query_one("#trained", TrainedTokensView))

    @work(thread=True, exclusive=True, group="data-trained", exit_on_error=False)
    def _render_trained(
        self, model: str, record: dict[str, Any], view_widget: TrainedTokensView
    ) -> None:
        from engine.data_check import load_tokenizer, model_max_length, trained_view

        path = self.workspace.models_dir / model
        if model not in self.tokenizers:
            self.app.call_from_thread(view_widget.show_message, f"Loading {model}'s tokenizer…")
            self.tokenizers[model] = load_tokenizer(path)
        view = trained_view(
            self.tokenizers[model], record["messages"], max_length=model_max_length(path)
        )
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(view_widget.show, view, model)

    # -- rejects -------------------------------------------------------------------------
    def load_rejects(self) -> None:
        sources = self.record_filter.sources
        self._fetch_rejects(sources[0] if sources else None)

    @work(thread=True, exclusive=True, group="data-rejects", exit_on_error=False)
    def _fetch_rejects(self, source: str | None) -> None:
        with self.workspace.db.connect() as con:
            rows = store_records.rejects(con, source=source, limit=1000, raw=True)
        self.app.call_from_thread(self._show_rejects, rows)

    def _show_rejects(self, rows: list[tuple[Any, ...]]) -> None:
        self.reject_rows = rows
        table = self.query_one("#rejects", DataTable)
        table.clear()
        for i, (source, path, line, reason, detail, _raw) in enumerate(rows):
            name = str(path).rsplit("/", 1)[-1]
            table.add_row(source, f"{name}:{line}", reason, detail[:80], key=str(i))
        raw = self.query_one("#reject-raw", Static)
        raw.update("" if rows else "No rejected lines.")

    @on(DataTable.RowHighlighted, "#rejects")
    def _reject_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is None:
            return
        _source, path, line, reason, detail, raw = self.reject_rows[int(event.row_key.value)]
        from rich.text import Text

        text = Text()
        text.append(f"{path}:{line}\n", style="bold")
        text.append(f"{reason}: {detail}\n\n", style="yellow")
        text.append(raw or "(empty line)")
        self.query_one("#reject-raw", Static).update(text)

    # -- events and actions --------------------------------------------------------------
    @on(DataTable.RowHighlighted, "#records")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self.load_record(int(event.row_key.value))

    @on(TabbedContent.TabActivated, "#record-tabs")
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        tab = self._active_tab()
        if tab == "trained":
            self.load_trained()
        elif tab == "rejects":
            self.load_rejects()

    @on(Select.Changed, "#trained-model")
    def _model_changed(self, event: Select.Changed) -> None:
        if self._active_tab() == "trained":
            self.load_trained()

    @on(Input.Submitted, "#search")
    def _search(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        regex = text.startswith("re:")
        self.record_filter.search = text[3:] if regex else text
        self.record_filter.regex = regex
        self._refilter()
        self.query_one("#records", DataTable).focus()

    @on(Select.Changed, "#filter-source")
    @on(Select.Changed, "#filter-flag")
    def _select_filter(self, event: Select.Changed) -> None:
        source = self.query_one("#filter-source", Select).value
        flag = self.query_one("#filter-flag", Select).value
        sources = [source] if isinstance(source, str) else []
        flag_value = flag if isinstance(flag, str) else None
        if sources != self.record_filter.sources or flag_value != self.record_filter.flag:
            self.record_filter.sources, self.record_filter.flag = sources, flag_value
            self._refilter()
            if self._active_tab() == "rejects":
                self.load_rejects()

    @on(Input.Submitted, "#filter-turns")
    @on(Input.Submitted, "#filter-tokens")
    def _range_filter(self, event: Input.Submitted) -> None:
        try:
            turns = parse_range(self.query_one("#filter-turns", Input).value)
            tokens = parse_range(self.query_one("#filter-tokens", Input).value)
        except ValueError:
            self.notify("A range is N, N-M, -M or N-.", title="Filter", severity="warning")
            return
        f = self.record_filter
        (f.min_turns, f.max_turns), (f.min_tokens, f.max_tokens) = turns, tokens
        self._refilter()
        self.query_one("#records", DataTable).focus()

    def _active_tab(self) -> str:
        active = self.query_one("#record-tabs", TabbedContent).active
        return next((name for name, pane in TABS.items() if pane == active), "chat")

    def action_tab(self, name: str) -> None:
        self.query_one("#record-tabs", TabbedContent).active = TABS[name]

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_focus_filters(self) -> None:
        self.query_one("#filter-source", Select).focus()

    def action_clear_search(self) -> None:
        changed = bool(self.record_filter.search or self._filter_text())
        self.query_one("#search", Input).value = ""
        for name in ("#filter-turns", "#filter-tokens"):
            self.query_one(name, Input).value = ""
        with self.prevent(Select.Changed):
            self.query_one("#filter-source", Select).clear()
            self.query_one("#filter-flag", Select).clear()
        if changed:
            self.record_filter = store_records.RecordFilter()
            self._refilter()
        self.query_one("#records", DataTable).focus()

    def action_page(self, move: str) -> None:
        self.load_page(move)

    def action_reload(self) -> None:
        self.reload()

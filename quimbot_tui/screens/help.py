"""F1 / ?: every key binding of the app and of each screen, with what each screen does."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from quimbot_tui.modes import MODES


def binding_rows(bindings: Iterable[object]) -> list[tuple[str, str]]:
    """(keys, description) for every binding, described or not."""
    rows = []
    for b in bindings:
        binding = b if isinstance(b, Binding) else Binding(*b)  # type: ignore[misc]
        keys = binding.key_display or binding.key
        keys = ", ".join(k.strip() for k in keys.split(","))
        rows.append((keys, binding.description or binding.action))
    return rows


def help_sections() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(title, summary, rows) for the app and for each screen, in mode order."""
    from quimbot_tui.app import QuimbotApp

    sections = [
        (
            "Everywhere",
            "Switch screens with 1-7 or by clicking the tabs (in a text field, Esc first, or "
            "Alt+1-7 where the terminal reports Alt); Ctrl+P opens the command palette with "
            "every screen and action.",
            [*binding_rows(QuimbotApp.BINDINGS), ("ctrl+p", "Command palette")],
        )
    ]
    for mode in MODES:
        cls = mode.screen_class()
        sections.append(
            (f"{mode.key} {mode.title}", cls.HELP or mode.summary, binding_rows(cls.BINDINGS))
        )
    return sections


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90; height: 90%; border: thick $accent;
                                   background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding("escape,f1,q,question_mark", "close", "Close", key_display="Esc")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            for title, summary, rows in help_sections():
                table = Table(
                    title=Text(title, style="bold"),
                    title_justify="left",
                    caption=summary,
                    caption_justify="left",
                    expand=True,
                    show_edge=False,
                )
                table.add_column("Keys", style="bold", width=22)
                table.add_column("Action")
                for keys, description in rows:
                    table.add_row(keys, description)
                yield Static(table)

    def action_close(self) -> None:
        self.dismiss(None)

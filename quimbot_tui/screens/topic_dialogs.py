"""Dialogs of the Topics screen: a note, editing a recent decision, choosing a version."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 80; height: auto; border: thick $accent; padding: 1 2;
                     background: $surface; }}
{name} .title {{ text-style: bold; margin-bottom: 1; }}
{name} .muted {{ color: $text-muted; margin-top: 1; }}
"""


class NoteDialog(ModalScreen[str | None]):
    """A note on the current topic; it goes into the decision's approval record."""

    DEFAULT_CSS = DIALOG_CSS.format(name="NoteDialog")
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, note: str | None) -> None:
        super().__init__()
        self.topic_title = title
        self.note = note or ""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Note on: {self.topic_title[:70]}", classes="title")
            yield Input(self.note, placeholder="e.g. needs a sourced disclaimer", id="note")
            yield Label("Enter saves · Esc cancels · an empty note clears it", classes="muted")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class EditDecisionDialog(ModalScreen[dict[str, Any] | None]):
    """Change a recent decision: ``a`` accept, ``x`` reject, ``n`` the notes, Enter saves."""

    DEFAULT_CSS = DIALOG_CSS.format(name="EditDecisionDialog")
    AUTO_FOCUS = None
    BINDINGS = [
        Binding("a", "decide(True)", "Accept"),
        Binding("x", "decide(False)", "Reject"),
        Binding("n", "notes", "Notes"),
        Binding("enter", "save", "Save"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, row: dict[str, Any]) -> None:
        super().__init__()
        self.row = row
        self.approved = bool(row["approved"])

    def compose(self) -> ComposeResult:
        title = " ".join((self.row["title"] or self.row["topic_id"]).split())
        with Vertical():
            yield Label(f"Edit the decision on: {title[:70]}", classes="title")
            yield Label(
                f"made by {self.row['approved_by']} at {self.row['approved_at']}", classes="muted"
            )
            yield Label("", id="decision")
            notes = Input(self.row.get("notes") or "", placeholder="notes (n)", id="notes")
            notes.can_focus = False  # a and x decide until n puts the cursor here
            yield notes
            yield Label("a accept · x reject · n notes · Enter save · Esc cancel", classes="muted")

    def on_mount(self) -> None:
        self._show()

    def _show(self) -> None:
        text = "[b green]accepted[/]" if self.approved else "[b red]rejected[/]"
        changed = " (changed)" if self.approved != self.row["approved"] else ""
        self.query_one("#decision", Label).update(f"Decision: {text}{changed}")

    def action_decide(self, approved: bool) -> None:
        self.approved = approved
        self._show()

    def action_notes(self) -> None:
        notes = self.query_one("#notes", Input)
        notes.can_focus = True
        notes.focus()

    def action_save(self) -> None:
        notes = self.query_one("#notes", Input).value.strip()
        self.dismiss({"approved": self.approved, "notes": notes})

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoiceDialog(ModalScreen[str | None]):
    """Pick one of a few named things (scoring versions)."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ChoiceDialog")
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, choices: list[tuple[str, str]], current: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="title")
            yield OptionList(
                *(
                    Option(f"{name}{' (current)' if name == self.current else ''}: {text}", name)
                    for name, text in self.choices
                ),
                id="choices",
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)

"""The frame every mode screen shares: the mode tabs, the body, the jobs bar, the footer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header

from quimbot_tui.widgets.jobs_bar import JobsBar
from quimbot_tui.widgets.mode_tabs import ModeTabs

if TYPE_CHECKING:
    from engine.workspace import Workspace
    from quimbot_tui.app import QuimbotApp


class WorkbenchScreen(Screen[None]):
    """Base class of the seven mode screens.

    Subclasses set ``MODE``, write ``compose_body`` and own their handlers and .tcss file.
    Queries and file scans run in thread workers; ``reload`` is called when the workspace
    changed (an import, the demo build) so the screen can refresh what it shows.
    """

    MODE: ClassVar[str] = ""
    HELP: ClassVar[str] = ""
    """A paragraph for the help screen about what this screen does."""

    @property
    def quimbot(self) -> QuimbotApp:
        return self.app  # type: ignore[return-value]

    @property
    def workspace(self) -> Workspace:
        return self.quimbot.workspace

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        yield ModeTabs(self.MODE)
        yield from self.compose_body()
        yield JobsBar()
        yield Footer()

    def compose_body(self) -> Iterable:
        return ()

    def on_mount(self) -> None:
        self.quimbot.screen_mounted(self)
        # Paint the frame first, then fetch: the workers would otherwise compete with it.
        self.call_after_refresh(self.reload)

    def reload(self) -> None:
        """Refresh the screen's content from the workspace (runs its workers)."""

    @classmethod
    def palette_commands(cls) -> Iterable[tuple[str, str, str]]:
        """Extra (title, help, action) entries this screen offers in the command palette."""
        return ()

"""The tab bar of modes shown at the top of every screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Tab, Tabs

from quimbot_tui.modes import MODES


class ModeTabs(Widget):
    """One tab per mode; the active one is the screen's own. Clicking a tab switches mode."""

    DEFAULT_CSS = """
    ModeTabs { height: 2; }
    ModeTabs Tabs { height: 2; }
    """

    def __init__(self, active: str) -> None:
        super().__init__()
        self.active = active

    def compose(self) -> ComposeResult:
        yield Tabs(
            *(Tab(f"{m.key} {m.title}", id=f"mode-{m.name}") for m in MODES),
            active=f"mode-{self.active}",
        )

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        event.stop()
        tab_id = event.tab.id if event.tab is not None else None
        if tab_id is None:
            return
        mode = tab_id.removeprefix("mode-")
        if mode != self.active:
            # Keep this screen's own tab highlighted for when it is shown again.
            event.tabs.active = f"mode-{self.active}"
            self.app.switch_mode(mode)

"""Watching the workspace ``inbox/`` for the Topics screen.

A daemon thread rather than a Textual worker: it lives as long as the screen, and
``app.workers.wait_for_complete()`` must still mean "the screen is idle". It imports what is
already waiting, then every file that arrives (``engine.microlearning.inbox``), and hands the
results to the UI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from engine.workspace import Workspace


class InboxWatcher:
    def __init__(
        self,
        app: Any,
        workspace: Workspace,
        config: Callable[[], Any],
        on_imported: Callable[[list[Any]], None],
        on_error: Callable[[str], None],
    ) -> None:
        self.app = app
        self.workspace = workspace
        self.config = config
        self.on_imported = on_imported
        self.on_error = on_error
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, name="topics-inbox", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()

    def _run(self) -> None:
        from engine.microlearning.inbox import watch

        try:
            self._import()
            watch(self.workspace.inbox_dir, self._import, self.stop_event)
        except Exception as exc:  # report it, never take the app down
            self._to_ui(self.on_error, f"inbox: {type(exc).__name__}: {exc}")

    def _import(self) -> None:
        from engine.microlearning.inbox import process

        results = process(self.workspace.db, self.workspace.inbox_dir, self.config())
        if results:
            self._to_ui(self.on_imported, results)

    def _to_ui(self, callback: Callable[..., None], *args: Any) -> None:
        if self.stop_event.is_set():
            return
        try:
            self.app.call_from_thread(callback, *args)
        except RuntimeError:  # the app is shutting down
            self.stop_event.set()

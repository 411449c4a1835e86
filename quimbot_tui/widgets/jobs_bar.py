"""A bar showing the app's background jobs (the demo build, ...) with progress."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar

from quimbot_tui.jobs import JobBoard


class JobsBar(Horizontal):
    """Shown above the footer while a background job runs."""

    DEFAULT_CSS = """
    JobsBar { height: 1; dock: bottom; display: none; background: $boost; padding: 0 1; }
    JobsBar.-active { display: block; }
    JobsBar Label { width: 1fr; }
    JobsBar ProgressBar { width: 50; }
    """

    def compose(self) -> ComposeResult:
        yield Label(id="job-label")
        yield ProgressBar(total=100, show_eta=True, id="job-progress")

    def on_mount(self) -> None:
        self.watch(self.app, "jobs_version", self._update, init=True)

    def _update(self, _version: int = 0) -> None:
        board: JobBoard = self.app.jobs  # type: ignore[attr-defined]
        job = board.current()
        self.set_class(job is not None, "-active")
        if job is None:
            return
        self.query_one("#job-label", Label).update(f"{job.title}: {job.message}")
        bar = self.query_one("#job-progress", ProgressBar)
        bar.update(total=job.total or None, progress=job.done)

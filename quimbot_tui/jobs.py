"""The app's board of background jobs, shown by every screen's jobs bar."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Job:
    key: str
    title: str
    done: float = 0
    total: float = 0
    message: str = ""
    finished: bool = False
    error: str | None = None


class JobBoard:
    """Jobs by key; ``on_change`` is called after every update (on the UI thread)."""

    def __init__(self, on_change: Callable[[], None]) -> None:
        self.jobs: dict[str, Job] = {}
        self._on_change = on_change

    def update(self, key: str, **fields: object) -> Job:
        job = self.jobs.get(key) or Job(key=key, title=str(fields.get("title", key)))
        for name, value in fields.items():
            setattr(job, name, value)
        job.finished = False
        self.jobs[key] = job
        self._on_change()
        return job

    def finish(self, key: str, error: str | None = None) -> None:
        if key in self.jobs:
            self.jobs[key].finished = True
            self.jobs[key].error = error
        self._on_change()

    def current(self) -> Job | None:
        running = [j for j in self.jobs.values() if not j.finished]
        return running[-1] if running else None

    def running(self, key: str) -> bool:
        job = self.jobs.get(key)
        return job is not None and not job.finished

"""The Topics screen's pipeline actions, offered in the command palette: score with another
version, draft packets, publish, scrape, export the approval records. Each runs in a worker
and reports with a notification."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from textual import work
from textual.worker import get_current_worker

if TYPE_CHECKING:
    from engine.workspace import Workspace
    from quimbot_tui.app import QuimbotApp

SCRAPE_JOB = "topics-scrape"


class PipelineActions:
    """Mixed into TopicsScreen (which provides workspace, config, reload and the app)."""

    config: Any
    version: str
    workspace: Workspace
    quimbot: QuimbotApp
    app: Any

    if TYPE_CHECKING:

        def reload(self) -> None: ...

        def notify(self, message: str, **kwargs: Any) -> None: ...

    def _need_config(self) -> bool:
        if self.config is None:
            self.notify("The microlearning settings could not be read.", severity="error")
            return False
        return True

    def action_choose_version(self) -> None:
        from quimbot_tui.screens.topic_dialogs import ChoiceDialog

        if not self._need_config():
            return
        versions = self.config.scoring.versions
        choices = [(name, v.description or v.formula) for name, v in sorted(versions.items())]
        current = self.version  # as loaded with the queue

        def chosen(name: str | None) -> None:
            if name:
                self._rescore(name)

        self.app.push_screen(ChoiceDialog("Score the queue with", choices, current), chosen)

    @work(thread=True, exclusive=True, group="topics-pipeline", exit_on_error=False)
    def _rescore(self, name: str) -> None:
        from engine import activity
        from engine.microlearning.scoring import rescore

        report = rescore(self.workspace.db, self.config, name)
        activity.log(self.workspace.db, "topics.score", name, topics=len(report.scored))
        self.app.call_from_thread(self.notify, report.summary(), title="Scored")
        self.app.call_from_thread(self.reload)

    @work(thread=True, exclusive=True, group="topics-pipeline", exit_on_error=False)
    def action_make_packets(self, model: bool = False) -> None:
        from engine.microlearning.packets import make_packets

        if self.config is None:
            return
        report = make_packets(
            self.workspace.db, self.config, generator="model" if model else "template"
        )
        lines = [report.summary()] + [f"{t[:17]}: {reason}" for t, reason in report.errors[:3]]
        if not report.made and not report.errors:
            lines = ["No approved topics without a packet."]
        self.app.call_from_thread(
            self.notify,
            "\n".join(lines),
            title="Packets",
            severity="warning" if report.errors else "information",
        )

    @work(thread=True, exclusive=True, group="topics-pipeline", exit_on_error=False)
    def action_publish(self) -> None:
        from engine.microlearning.publish import publish

        report = publish(self.workspace.db, self.workspace.packets_dir)
        where = report.published[0][1].parent if report.published else None
        text = f"{report.summary()}" + (f" to {where}" if where else ": no drafts")
        self.app.call_from_thread(self.notify, text, title="Published")

    @work(thread=True, exclusive=True, group="topics-scrape", exit_on_error=False)
    def action_scrape(self) -> None:
        from engine.microlearning.scoring import rescore
        from engine.microlearning.scrape import scrape

        if self.config is None:
            return
        jobs = self.quimbot.jobs

        def progress(done: int, total: int, message: str) -> None:
            self.app.call_from_thread(
                jobs.update,
                SCRAPE_JOB,
                title="Scraping Reddit",
                done=done,
                total=total,
                message=message,
            )

        worker = get_current_worker()
        try:
            report = scrape(
                self.workspace.db,
                self.config,
                on_progress=progress,
                should_stop=lambda: worker.is_cancelled,
            )
        except Exception as exc:
            self.app.call_from_thread(jobs.finish, SCRAPE_JOB, str(exc))
            raise
        self.app.call_from_thread(jobs.finish, SCRAPE_JOB)
        if report.stored.observations:
            rescore(self.workspace.db, self.config)
        self.app.call_from_thread(
            self.notify,
            "\n".join(report.lines()[-3:]),
            title="Scrape",
            severity="information" if report.complete else "warning",
        )
        self.app.call_from_thread(self.reload)

    @work(thread=True, exclusive=True, group="topics-pipeline", exit_on_error=False)
    def action_export_approvals(self) -> None:
        from engine.microlearning.approvals import export

        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        path = self.workspace.exports_dir / f"approvals-{stamp}.jsonl"
        count = export(self.workspace.db, path)
        self.app.call_from_thread(self.notify, f"{count} approval records: {path}")

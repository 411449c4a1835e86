"""Decisions survive the process being killed: kill -9 mid-session, every decision the
screen moved past is in the database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from engine.microlearning.importer import import_files
from engine.microlearning.scoring import rescore
from engine.workspace import Workspace
from store import approvals as store_approvals
from store import topics as store_topics

ROOT = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from engine.workspace import Workspace
    from quimbot_tui.app import QuimbotApp

    async def main(root):
        app = QuimbotApp(Workspace.open(root), auto_demo=False, initial_mode="topics")
        async with app.run_test(size=(160, 48)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            n = 0
            while screen.topics:
                topic_id = screen.current_topic()["topic_id"]
                await pilot.press("a" if n % 2 == 0 else "x")
                while screen.busy or screen.pending or topic_id in [
                    t["topic_id"] for t in screen.topics
                ]:
                    await asyncio.sleep(0.005)
                # The screen moved on, so the decision is committed.
                print("DECIDED", topic_id, "a" if n % 2 == 0 else "x", flush=True)
                n += 1
            await asyncio.sleep(3600)

    asyncio.run(main(sys.argv[1]))
    """
)


def test_kill_9_mid_session_loses_no_decision(workspace: Workspace, config, flat_file) -> None:
    import_files(workspace.db, [flat_file])
    rescore(workspace.db, config, "trendiness-v0")
    workspace.db.close()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(workspace.root)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    decided: list[tuple[str, bool]] = []
    deadline = time.monotonic() + 120  # a guard against a hang, not a timing assertion
    try:
        assert child.stdout is not None
        while len(decided) < 3 and time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                break
            if line.startswith("DECIDED"):
                _, topic_id, key = line.split()
                decided.append((topic_id, key == "a"))
        # The child is already pressing the next key: kill it now.
        os.kill(child.pid, signal.SIGKILL)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert len(decided) == 3, child.stderr.read() if child.stderr else ""

    reopened = Workspace.open(workspace.root)
    with reopened.db.connect() as con:
        in_force = {r["topic_id"]: r["approved"] for r in store_approvals.all_rows(con)}
        statuses = {t: store_topics.get(con, t)["status"] for t, _ in decided}
    reopened.db.close()
    for topic_id, approved in decided:
        assert in_force[topic_id] is approved
        assert statuses[topic_id] == ("approved" if approved else "rejected")
    assert len(in_force) in (3, 4)  # the fourth may have been committed before the kill

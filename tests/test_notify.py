"""Webhooks against a local fake server: payloads, retries, failures, no secret shown."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from engine.notify import Webhook, mask, notify, post
from engine.workspace import Workspace

SECRET = "s3cr3t-T0KEN-abcdefghijklmnop"


class FakeHooks:
    """A webhook receiver answering with a scripted list of status codes (then 204)."""

    def __init__(self, script: list[int] | None = None, delay: float = 0.0) -> None:
        self.script = list(script or [])
        self.delay = delay
        self.requests: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                outer.requests.append(
                    {"path": self.path, "body": json.loads(self.rfile.read(length))}
                )
                time.sleep(outer.delay)
                code = outer.script.pop(0) if outer.script else 204
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/api/webhooks/42/{SECRET}"

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def hooks():
    made: list[FakeHooks] = []

    def make(script=None, delay=0.0) -> FakeHooks:
        made.append(FakeHooks(script, delay))
        return made[-1]

    yield make
    for h in made:
        h.close()


def configure(ws: Workspace, *entries: dict) -> None:
    ws.update_settings(webhooks=list(entries))


def test_discord_and_json_payloads(workspace: Workspace, hooks) -> None:
    discord, generic = hooks(), hooks()
    configure(workspace, {"url": discord.url, "kind": "discord"}, {"url": generic.url})
    results = notify(
        workspace.root,
        "run.finished",
        "Run demo-1 finished",
        {"steps": 40, "final loss": 0.41},
        wait=True,
    )
    assert [r.ok for r in results] == [True, True]
    d = discord.requests[0]["body"]
    assert d["content"] == "**Run demo-1 finished**"
    assert {"name": "steps", "value": "40", "inline": True} in d["embeds"][0]["fields"]
    g = generic.requests[0]["body"]
    assert g["event"] == "run.finished" and g["fields"] == {"steps": 40, "final loss": 0.41}


def test_retries_on_5xx_then_succeeds(hooks) -> None:
    server = hooks([500, 503])
    result = post(Webhook(server.url), {"x": 1}, retries=3, backoff=0.01)
    assert result.ok and result.attempts == 3 and len(server.requests) == 3


def test_no_retry_on_a_4xx(hooks) -> None:
    server = hooks([404])
    result = post(Webhook(server.url), {"x": 1}, retries=3, backoff=0.01)
    assert not result.ok and result.status == 404 and result.attempts == 1


def test_failing_webhooks_never_raise_and_are_logged_masked(workspace: Workspace, hooks) -> None:
    down = hooks([500, 500, 500])
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        refused = f"http://127.0.0.1:{s.getsockname()[1]}/hook/{SECRET}"
    slow = hooks(delay=1.0)
    configure(workspace, {"url": down.url}, {"url": refused}, {"url": slow.url})
    deliveries = notify(
        workspace.root, "run.failed", "boom", {}, wait=True, retries=3, backoff=0.01, timeout=0.2
    )
    assert [d.ok for d in deliveries] == [False, False, False]
    assert [d.attempts for d in deliveries] == [3, 3, 3]  # every failure was retried
    assert deliveries[0].status == 500 and deliveries[2].error
    log = (workspace.root / "logs" / "notify.log").read_text()
    assert log.count("\n") == 3 and SECRET not in log and "…" in log


def test_events_filter_and_no_webhooks(workspace: Workspace, hooks) -> None:
    server = hooks()
    assert notify(workspace.root, "run.started", "x", {}, wait=True) == []
    configure(workspace, {"url": server.url, "events": ["run.failed"]})
    assert notify(workspace.root, "run.started", "x", {}, wait=True) == []
    assert len(notify(workspace.root, "run.failed", "x", {}, wait=True)) == 1
    with pytest.raises(ValueError, match="unknown event"):
        notify(workspace.root, "nope", "x", {})


def test_mask_hides_the_token() -> None:
    url = f"https://discord.com/api/webhooks/1234/{SECRET}"
    assert mask(url) == "https://discord.com/…mnop"
    assert SECRET not in mask(url)


def test_cli_never_prints_the_address(workspace: Workspace, hooks) -> None:
    server = hooks([500])

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "quimbot_tui",
                "--workspace",
                str(workspace.root),
                "notify",
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )

    outputs = [cli("add", server.url, "--kind", "discord"), cli("list"), cli("test")]
    assert all(r.returncode == 0 for r in outputs), [r.stderr for r in outputs]
    assert "ok (HTTP 204) after 2 attempt(s)" in outputs[2].stdout
    for r in outputs:
        assert SECRET not in r.stdout + r.stderr
    assert server.requests[-1]["body"]["content"] == "**quimbot-tui test notification**"
    assert "…" in outputs[1].stdout
    assert (
        json.loads((workspace.root / "settings.json").read_text())["webhooks"][0]["url"]
        == server.url
    )
    bad = cli("add", server.url, "--events", "party")
    assert bad.returncode == 1 and "unknown event party" in bad.stderr

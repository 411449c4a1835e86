"""Notifications: run, eval and approval events posted to Discord or generic JSON webhooks.

Webhooks are named in the workspace settings (``settings.json``)::

    {"webhooks": [{"url": "https://discord.com/api/webhooks/...", "kind": "discord",
                   "events": ["run.finished", "run.failed"]}]}

A webhook address is a secret: it is only ever shown masked (scheme, host and the last four
characters), and never written to a log. Posting retries with backoff on 5xx answers, 429,
timeouts and refused connections; a webhook that keeps failing is recorded (masked) in
``logs/notify.log`` and never breaks the work that triggered it.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

EVENTS = ("run.started", "run.finished", "run.failed", "eval.finished", "approvals.session", "test")
COLOURS = {
    "run.started": 0x3498DB,
    "run.finished": 0x2ECC71,
    "run.failed": 0xE74C3C,
    "eval.finished": 0x9B59B6,
    "approvals.session": 0xF1C40F,
    "test": 0x95A5A6,
}


@dataclass(frozen=True)
class Webhook:
    url: str
    kind: str = "json"
    """``discord`` (Discord's execute-webhook body) or ``json`` (a generic JSON body)."""
    events: tuple[str, ...] = EVENTS

    @property
    def masked(self) -> str:
        return mask(self.url)


@dataclass
class Delivery:
    webhook: str
    """The masked address."""
    ok: bool
    attempts: int
    status: int | None = None
    error: str = ""
    event: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def mask(url: str) -> str:
    """``https://discord.com/…a1b2``: enough to tell webhooks apart, not enough to use one."""
    parts = urlsplit(url)
    tail = url.rstrip("/")[-4:]
    return f"{parts.scheme}://{parts.netloc}/…{tail}" if parts.netloc else "…" + tail


def load_webhooks(workspace_root: Path) -> list[Webhook]:
    """The webhooks configured in the workspace (none when there is no settings file)."""
    try:
        settings = json.loads((workspace_root / "settings.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return []
    hooks = []
    for entry in settings.get("webhooks", []):
        if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
            continue
        kind = entry.get("kind", "json")
        events = tuple(entry.get("events") or EVENTS)
        hooks.append(
            Webhook(
                url=entry["url"],
                kind=kind if kind in ("discord", "json") else "json",
                events=events,
            )
        )
    return hooks


def body(
    hook: Webhook, event: str, title: str, fields: Mapping[str, Any], workspace: str
) -> dict[str, Any]:
    at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    if hook.kind == "discord":
        return {
            "content": f"**{title}**",
            "embeds": [
                {
                    "title": title,
                    "color": COLOURS.get(event, 0x95A5A6),
                    "fields": [
                        {"name": str(k), "value": str(v)[:1000] or "–", "inline": True}
                        for k, v in fields.items()
                    ][:25],
                    "footer": {"text": f"quimbot-tui · {event} · {workspace}"},
                    "timestamp": at,
                }
            ],
        }
    return {
        "event": event,
        "title": title,
        "fields": dict(fields),
        "workspace": workspace,
        "at": at,
    }


def post(
    hook: Webhook,
    payload: Mapping[str, Any],
    *,
    retries: int = 3,
    backoff: float = 0.5,
    timeout: float = 5.0,
) -> Delivery:
    """POST the payload; retry on 5xx, 429, timeouts and connection errors."""
    data = json.dumps(payload).encode("utf-8")
    last = Delivery(hook.masked, ok=False, attempts=0)
    for attempt in range(1, retries + 1):
        request = urllib.request.Request(
            hook.url,
            data=data,
            method="POST",
            headers={"Content-Type": "application/json", "User-Agent": "quimbot-tui"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return Delivery(hook.masked, ok=True, attempts=attempt, status=response.status)
        except urllib.error.HTTPError as exc:
            last = Delivery(
                hook.masked, ok=False, attempts=attempt, status=exc.code, error=f"HTTP {exc.code}"
            )
            if exc.code < 500 and exc.code != 429:
                return last
            wait = float(exc.headers.get("Retry-After") or 0) if exc.code == 429 else 0.0
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            last = Delivery(
                hook.masked,
                ok=False,
                attempts=attempt,
                error=type(reason).__name__ if not isinstance(reason, str) else reason,
            )
            wait = 0.0
        if attempt < retries:
            time.sleep(max(wait, backoff * 2 ** (attempt - 1)))
    return last


def _log_failure(workspace_root: Path, delivery: Delivery) -> None:
    folder = workspace_root / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    line = json.dumps(
        {
            "at": dt.datetime.now(dt.UTC).isoformat(),
            "event": delivery.event,
            "webhook": delivery.webhook,
            "attempts": delivery.attempts,
            "status": delivery.status,
            "error": delivery.error,
        },
        ensure_ascii=False,
    )
    with (folder / "notify.log").open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def notify(
    workspace_root: Path,
    event: str,
    title: str,
    fields: Mapping[str, Any],
    *,
    wait: bool = False,
    retries: int = 3,
    backoff: float = 0.5,
    timeout: float = 5.0,
) -> list[Delivery]:
    """Post an event to every webhook that wants it. Never raises.

    By default the posts happen in a background thread and an empty list is returned;
    ``wait=True`` posts now and returns the deliveries.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}; one of {', '.join(EVENTS)}")
    hooks = [h for h in load_webhooks(workspace_root) if event in h.events]
    if not hooks:
        return []

    def send() -> list[Delivery]:
        out = []
        for hook in hooks:
            try:
                delivery = post(
                    hook,
                    body(hook, event, title, fields, workspace_root.name),
                    retries=retries,
                    backoff=backoff,
                    timeout=timeout,
                )
            except Exception as exc:  # a webhook must never break the work
                delivery = Delivery(hook.masked, ok=False, attempts=0, error=type(exc).__name__)
            delivery.event = event
            if not delivery.ok:
                _log_failure(workspace_root, delivery)
            out.append(delivery)
        return out

    if wait:
        return send()
    threading.Thread(target=send, name="quimbot-notify", daemon=True).start()
    return []

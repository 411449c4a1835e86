"""Recording actions that change the workspace in its activity log."""

from __future__ import annotations

import getpass
import socket
from typing import Any

from store import activity as store_activity
from store.db import Database


def current_actor() -> str:
    """The local user, as ``user@host``."""
    try:
        user = getpass.getuser()
    except Exception:  # no login name in some containers
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def log(db: Database, action: str, subject: str | None = None, **detail: Any) -> None:
    with db.connect() as con:
        store_activity.record(con, current_actor(), action, subject, detail or None)

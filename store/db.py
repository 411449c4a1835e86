"""Connections to the workspace database.

DuckDB lets one process at a time open a database file for writing. quimbot-tui processes (a
TUI in one SSH session, a CLI command in another) therefore never hold the file for long: every
piece of work opens a connection, and a connection that finds the file locked by another process
retries with backoff until ``lock_timeout`` is spent. Within a process, the connection is kept
for ``idle_close`` seconds after the last use so that paging through a table does not pay the
open cost each time, then released so that other processes can get in.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from store.migrations import MIGRATIONS, apply_migrations

if TYPE_CHECKING:
    import duckdb

DB_FILENAME = "quimbot.duckdb"


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run the block in one transaction: committed at the end, rolled back on any error."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


class WorkspaceBusyError(RuntimeError):
    """Another process held the workspace database for longer than the lock timeout."""


def _is_lock_error(exc: BaseException) -> bool:
    """DuckDB's "Could not set lock on file ... Conflicting lock is held" error."""
    text = str(exc)
    return "lock" in text.lower() and ("Could not set lock" in text or "Conflicting" in text)


class Database:
    """The workspace database file, opened on demand.

    ``with db.connect() as con:`` yields a DuckDB cursor that is safe to use in the calling
    thread. Several threads may hold cursors at once; the underlying connection closes when
    the last user is done and ``idle_close`` seconds have passed.
    """

    def __init__(
        self,
        path: Path,
        *,
        lock_timeout: float = 60.0,
        idle_close: float = 0.5,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self.idle_close = idle_close
        self.on_wait = on_wait
        self._lock = threading.RLock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._users = 0
        self._timer: threading.Timer | None = None
        self._migrated = False

    # -- connection lifetime -------------------------------------------------------------
    def _open(self) -> duckdb.DuckDBPyConnection:
        import duckdb  # here, not at start-up: the app paints its first screen without it

        deadline = time.monotonic() + self.lock_timeout
        delay = 0.02
        waited = False
        while True:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                con = duckdb.connect(str(self.path))
            except duckdb.IOException as exc:
                if not _is_lock_error(exc):
                    raise
                if time.monotonic() >= deadline:
                    raise WorkspaceBusyError(
                        f"{self.path} is held by another process for more than "
                        f"{self.lock_timeout:.0f} s ({exc})"
                    ) from exc
                if not waited and self.on_wait is not None:
                    self.on_wait(f"waiting for {self.path.name}: another process is writing")
                waited = True
                time.sleep(delay)
                delay = min(delay * 1.6, 0.5)
                continue
            if not self._migrated:
                apply_migrations(con)
                self._migrated = True
            return con

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the workspace database, for the calling thread only."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._con is None:
                self._con = self._open()
            self._users += 1
            cursor = self._con.cursor()
        try:
            yield cursor
        finally:
            cursor.close()
            with self._lock:
                self._users -= 1
                if self._users == 0:
                    self._schedule_close()

    def _schedule_close(self) -> None:
        if self.idle_close <= 0:
            self._close_now()
            return
        self._timer = threading.Timer(self.idle_close, self._close_if_idle)
        self._timer.daemon = True
        self._timer.start()

    def _close_if_idle(self) -> None:
        with self._lock:
            if self._users == 0:
                self._close_now()

    def _close_now(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def close(self) -> None:
        """Release the file now (waits for nobody: call when no cursor is in use)."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._close_now()

    @property
    def is_open(self) -> bool:
        return self._con is not None

    def applied_migrations(self) -> list[str]:
        with self.connect() as con:
            rows = con.execute("SELECT name FROM schema_migrations ORDER BY position").fetchall()
        return [r[0] for r in rows]


__all__ = ["DB_FILENAME", "MIGRATIONS", "Database", "WorkspaceBusyError", "transaction"]

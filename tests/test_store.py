"""The workspace database: recorded migrations and access from several processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from store import Database, WorkspaceBusyError
from store.migrations import MIGRATIONS, Migration, apply_migrations


def test_migrations_are_applied_in_order_and_recorded(tmp_path: Path) -> None:
    db = Database(tmp_path / "q.duckdb")
    assert db.applied_migrations() == [m.name for m in MIGRATIONS]
    with db.connect() as con:
        positions = [
            r[0]
            for r in con.execute(
                "SELECT position FROM schema_migrations ORDER BY applied_at, position"
            ).fetchall()
        ]
    assert positions == sorted(positions)


def test_migrations_apply_once_and_new_ones_append(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "m.duckdb"))
    assert apply_migrations(con) == [m.name for m in MIGRATIONS]
    assert apply_migrations(con) == []
    extra = (*MIGRATIONS, Migration("9999_extra", "CREATE TABLE extra (x INTEGER);"))
    assert apply_migrations(con, extra) == ["9999_extra"]
    assert con.execute("SELECT count(*) FROM extra").fetchone() == (0,)


def test_failed_migration_rolls_back_and_is_not_recorded(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "m.duckdb"))
    apply_migrations(con)
    broken = (*MIGRATIONS, Migration("9998_broken", "CREATE TABLE half (x INT); SELEC oops;"))
    with pytest.raises(duckdb.Error):
        apply_migrations(con, broken)
    names = [r[0] for r in con.execute("SELECT name FROM schema_migrations").fetchall()]
    assert "9998_broken" not in names
    tables = [
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    ]
    assert "half" not in tables


HOLDER = textwrap.dedent(
    """
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    con.execute("CREATE TABLE IF NOT EXISTS held (x INTEGER)")
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
    con.execute("INSERT INTO held VALUES (1)")
    con.close()
    """
)


def _hold(path: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "holding"
    return proc


def test_connect_waits_for_another_process_then_succeeds(tmp_path: Path) -> None:
    path = tmp_path / "q.duckdb"
    creator = Database(path)
    creator.applied_migrations()
    creator.close()
    waits: list[str] = []
    db = Database(path, lock_timeout=30, idle_close=0, on_wait=waits.append)
    holder = _hold(path, 1.5)
    started = time.monotonic()
    with db.connect() as con:
        assert con.execute("SELECT count(*) FROM held").fetchone() == (1,)
    assert holder.wait(10) == 0
    assert waits, "the wait was not reported"
    assert time.monotonic() - started >= 0.5


def test_connect_gives_a_clear_error_after_the_timeout(tmp_path: Path) -> None:
    path = tmp_path / "q.duckdb"
    creator = Database(path)
    creator.applied_migrations()
    creator.close()
    holder = _hold(path, 3)
    try:
        with (
            pytest.raises(WorkspaceBusyError, match="held by another process"),
            Database(path, lock_timeout=0.5).connect(),
        ):
            pass
    finally:
        holder.wait(10)


def test_idle_connection_is_released_for_other_processes(tmp_path: Path) -> None:
    path = tmp_path / "q.duckdb"
    db = Database(path, idle_close=0.2)
    with db.connect() as con:
        con.execute("SELECT 1")
    assert db.is_open
    time.sleep(0.6)
    assert not db.is_open
    # Another process can now open the file for writing at once.
    holder = _hold(path, 0)
    assert holder.wait(10) == 0


def test_cursors_from_several_threads_share_one_connection(tmp_path: Path) -> None:
    import threading

    db = Database(tmp_path / "q.duckdb", idle_close=0)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for _ in range(20):
                with db.connect() as con:
                    con.execute(
                        "INSERT INTO activity (happened_at, actor, action) "
                        "VALUES (now()::TIMESTAMP, ?, 'test')",
                        [f"t{n}"],
                    )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with db.connect() as con:
        assert con.execute("SELECT count(*) FROM activity").fetchone() == (80,)

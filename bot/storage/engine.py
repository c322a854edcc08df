"""One way to open the database, shared by the repository, migrations and tracker store.

SQLite gets WAL, a busy timeout and ``BEGIN IMMEDIATE`` transactions so that two server
processes writing at once wait for each other instead of failing; PostgreSQL gets a
connect timeout and pre-ping. Failures become :class:`StorageUnavailable` naming
``DATABASE_URL``.
"""
from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import Any, Dict

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.pool import StaticPool

from bot.storage.errors import StorageUnavailable

SQLITE_BUSY_SECONDS = 30
PG_CONNECT_TIMEOUT_SECONDS = 5


def normalize_url(url: str | URL) -> URL:
    """Parse a URL, accepting the common ``postgres://`` spelling."""
    text = url if isinstance(url, str) else url.render_as_string(hide_password=False)
    text = text.strip()
    if text.startswith("postgres://"):
        text = "postgresql://" + text[len("postgres://"):]
    try:
        return make_url(text)
    except Exception:  # sqlalchemy raises ArgumentError, ValueError...
        raise StorageUnavailable(
            f"DATABASE_URL is not a valid database URL: {safe_url(text)!r}. Use e.g. "
            f"sqlite:////absolute/path/rehearse.db or postgresql://user@host:5432/dbname."
        ) from None


def safe_url(url: str | URL) -> str:
    """The URL with any password masked, for messages and logs."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url[:80] if "@" not in url else "<unparseable URL>"


def make_engine(url: str | URL) -> Engine:
    """Create an engine with the project's concurrency settings (does not connect)."""
    parsed = normalize_url(url)
    kwargs: Dict[str, Any] = {"future": False}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        connect_args: Dict[str, Any] = {"timeout": SQLITE_BUSY_SECONDS, "check_same_thread": False}
        if database in ("", ":memory:"):
            kwargs["poolclass"] = StaticPool
        else:
            if not database.startswith("file:"):
                try:
                    path = Path(database).expanduser()
                    path.parent.mkdir(parents=True, exist_ok=True)
                    # Owner-only from the start; SQLite gives its WAL files the same mode.
                    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
                except OSError as error:
                    raise _unavailable(parsed, error) from None
        kwargs["connect_args"] = connect_args
        try:
            engine = sa.create_engine(parsed, **kwargs)
        except Exception as error:
            raise _unavailable(parsed, error) from None
        _tune_sqlite(engine, in_memory=database in ("", ":memory:"))
        return engine
    if parsed.get_backend_name() == "postgresql":
        kwargs["pool_pre_ping"] = True
        kwargs["connect_args"] = {"connect_timeout": PG_CONNECT_TIMEOUT_SECONDS}
    try:
        return sa.create_engine(parsed, **kwargs)
    except Exception as error:  # unknown dialect or missing driver
        raise _unavailable(parsed, error) from None


def check_connection(engine: Engine) -> None:
    """Open one connection now so that a bad setting fails at start, clearly."""
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as error:
        raise _unavailable(engine.url, error) from None


def compact_sqlite(engine: Engine) -> None:
    """Fold the WAL into the main file and truncate it, so deleted rows leave no copy.

    Best effort: a reader holding an old snapshot can delay it to the next checkpoint.
    """
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _unavailable(url: URL, error: BaseException) -> StorageUnavailable:
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0:1]
    detail = f" ({reason[0]})" if reason else ""
    return StorageUnavailable(
        f"Cannot open the database at {safe_url(url)}{detail}. Check that the database "
        f"server is running and reachable, or set DATABASE_URL to a database you can use "
        f"(unset it to use the built-in SQLite file in var/)."
    )


def _switch_to_wal(cur) -> None:
    """Turn on WAL, waiting while another process holds the lock.

    Changing the journal mode needs an exclusive lock, and SQLite can report "database is
    locked" at once instead of calling the busy handler, e.g. when two processes open a new
    database at the same moment. Retry for as long as busy_timeout would have waited.
    """
    deadline = time.monotonic() + SQLITE_BUSY_SECONDS
    while True:
        try:
            cur.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _tune_sqlite(engine: Engine, in_memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - exercised via every test
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_SECONDS * 1000}")
        if not in_memory:
            _switch_to_wal(cur)
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA secure_delete = ON")  # deleted rows are overwritten, not left in free pages
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # pragma: no cover - exercised via every test
        # Take the write lock at the start: a deferred transaction that reads and then
        # writes can fail at once with "database is locked" instead of waiting.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

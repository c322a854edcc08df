"""Apply the Alembic migrations in ``bot/storage/migrations`` (configured in code).

``upgrade_database()`` is idempotent and safe when several processes start at once:
PostgreSQL takes an advisory lock, SQLite an immediate (write) transaction.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from bot.storage.engine import check_connection, make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "rehearse_schema_version"
_PG_LOCK_ID = 7_424_117  # any constant shared by every process of this project


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


@contextmanager
def _checked_engine(url: Optional[str], engine: Optional[Engine]) -> Iterator[Engine]:
    """The given engine, or one for ``url`` (default DATABASE_URL) disposed afterwards.

    Raises StorageUnavailable (naming DATABASE_URL) when the database cannot be opened.
    """
    owned = engine is None
    if owned:
        if url is None:
            from bot.storage.settings import Settings

            url = Settings.from_env().database_url
        engine = make_engine(url)
    try:
        check_connection(engine)
        yield engine
    finally:
        if owned:
            engine.dispose()


def _revision(conn) -> Optional[str]:
    return MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).get_current_revision()


def upgrade_database(
    url: Optional[str] = None, revision: str = "head", engine: Optional[Engine] = None
) -> str:
    """Migrate the database at ``url`` (default: DATABASE_URL) to ``revision``; return it.

    Raises StorageUnavailable (naming DATABASE_URL) when the database cannot be opened.
    """
    with _checked_engine(url, engine) as checked:
        return _run(checked, lambda config: command.upgrade(config, revision))


def downgrade_database(revision: str, url: Optional[str] = None, engine: Optional[Engine] = None) -> Optional[str]:
    """Step the schema back to ``revision`` (for operators and tests); return it."""
    with _checked_engine(url, engine) as checked:
        return _run(checked, lambda config: command.downgrade(config, revision))


def _run(engine: Engine, step) -> Optional[str]:
    """Run an Alembic command in one locked transaction and return the new revision.

    On SQLite, foreign keys are switched off meanwhile: Alembic's batch mode rebuilds a
    table by copying and dropping it, and a drop with foreign keys on would cascade-delete
    the rows of child tables.
    """
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys = OFF")  # only works outside a transaction
        try:
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_LOCK_ID})
                config = alembic_config()
                config.attributes["connection"] = conn
                step(config)
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration left rows without their session: {broken[:3]}")
                return _revision(conn)
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys = ON")


def current_revision(url: Optional[str] = None, engine: Optional[Engine] = None) -> Optional[str]:
    """The revision the database is at (None before the first upgrade)."""
    with _checked_engine(url, engine) as checked, checked.connect() as conn:
        return _revision(conn)

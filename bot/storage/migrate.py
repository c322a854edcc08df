"""Apply the Alembic migrations in ``bot/storage/migrations`` (configured in code).

``upgrade_database()`` is idempotent and safe when several processes start at once:
PostgreSQL takes an advisory lock, SQLite an immediate (write) transaction.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

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


def _resolve_engine(url: Optional[str], engine: Optional[Engine]) -> tuple[Engine, bool]:
    if engine is not None:
        return engine, False
    if url is None:
        from bot.storage.settings import Settings

        url = Settings.from_env().database_url
    return make_engine(url), True


def upgrade_database(
    url: Optional[str] = None, revision: str = "head", engine: Optional[Engine] = None
) -> str:
    """Migrate the database at ``url`` (default: DATABASE_URL) to ``revision``; return it.

    Raises StorageUnavailable (naming DATABASE_URL) when the database cannot be opened.
    """
    engine, owned = _resolve_engine(url, engine)
    try:
        check_connection(engine)
        return _run(engine, lambda config: command.upgrade(config, revision))
    finally:
        if owned:
            engine.dispose()


def downgrade_database(revision: str, url: Optional[str] = None, engine: Optional[Engine] = None) -> Optional[str]:
    """Step the schema back to ``revision`` (for operators and tests); return it."""
    engine, owned = _resolve_engine(url, engine)
    try:
        check_connection(engine)
        return _run(engine, lambda config: command.downgrade(config, revision))
    finally:
        if owned:
            engine.dispose()


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
                return MigrationContext.configure(
                    conn, opts={"version_table": VERSION_TABLE}
                ).get_current_revision()
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys = ON")


def current_revision(url: Optional[str] = None, engine: Optional[Engine] = None) -> Optional[str]:
    """The revision the database is at (None before the first upgrade)."""
    engine, owned = _resolve_engine(url, engine)
    try:
        check_connection(engine)
        with engine.connect() as conn:
            return MigrationContext.configure(
                conn, opts={"version_table": VERSION_TABLE}
            ).get_current_revision()
    finally:
        if owned:
            engine.dispose()

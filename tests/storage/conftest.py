"""Fixtures for the storage tests: every test gets its own database, on SQLite and on the
local PostgreSQL (a uniquely named database, dropped afterwards), and its own key file."""
from __future__ import annotations

import base64
import glob
import os
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa

TEST_KEY = base64.urlsafe_b64encode(bytes(range(32))).decode()
# The machine's PostgreSQL trusts local users; the superuser may be "postgres" or "root".
PG_CANDIDATES = (
    [os.environ["REHEARSE_TEST_PG_URL"]]
    if os.environ.get("REHEARSE_TEST_PG_URL")
    else ["postgresql://postgres@127.0.0.1:5432/test", "postgresql://root@127.0.0.1:5432/test"]
)
_pg: dict[str, str | None] = {}


def postgres_unavailable() -> str | None:
    """None when the test PostgreSQL answers (its admin URL is then in _pg["url"]), else why not."""
    if "reason" not in _pg:
        errors = []
        for url in PG_CANDIDATES:
            try:
                engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
                with engine.connect() as conn:
                    conn.execute(sa.text("SELECT 1"))
                engine.dispose()
                _pg.update(reason=None, url=url)
                break
            except Exception as error:  # noqa: BLE001 - any failure means "skip"
                text = str(error).strip()
                errors.append(f"{url}: {text.splitlines()[0] if text else type(error).__name__}")
        else:
            _pg["reason"] = "PostgreSQL is unreachable (" + "; ".join(errors) + ")"
    return _pg["reason"]


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the project's var/: keys and defaults point into tmp_path."""
    for name in ("DATABASE_URL", "REHEARSE_KEY", "REHEARSE_RETENTION_DAYS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REHEARSE_KEY_FILE", str(tmp_path / "keys" / "secret.key"))


def _sqlite_url(tmp_path: Path) -> str:
    (tmp_path / "db").mkdir(exist_ok=True)
    return f"sqlite:///{tmp_path / 'db' / 'rehearse.db'}"


def _admin_engine() -> sa.engine.Engine:
    return sa.create_engine(_pg["url"], isolation_level="AUTOCOMMIT")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL on each backend."""
    if request.param == "sqlite":
        yield _sqlite_url(tmp_path)
        return
    reason = postgres_unavailable()
    if reason:
        pytest.skip(reason)
    name = f"rehearse_test_{uuid.uuid4().hex[:16]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(_pg["url"]).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def key() -> bytes:
    return base64.urlsafe_b64decode(TEST_KEY)


@pytest.fixture
def store(db_url: str, key: bytes):
    from bot.storage import Store

    s = Store(url=db_url, key=key)
    yield s
    s.close()


def raw_dump(url: str) -> bytes:
    """Everything in the database as bytes: for SQLite the files themselves (main, WAL,
    journal), plus every row of every table rendered as text on either backend."""
    parsed = sa.engine.make_url(url)
    chunks: list[bytes] = []
    if parsed.get_backend_name() == "sqlite":
        for path in glob.glob(parsed.database + "*"):
            chunks.append(Path(path).read_bytes())
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            for table in sa.inspect(conn).get_table_names():
                for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')):
                    chunks.append(repr(tuple(row)).encode("utf-8", "replace"))
    finally:
        engine.dispose()
    return b"\n".join(chunks)


def raw_contains(url: str, needle: str) -> bool:
    return needle.encode("utf-8") in raw_dump(url)


@pytest.fixture(name="raw_contains")
def raw_contains_fixture():
    """``raw_contains(url, text)``: is ``text`` anywhere in the database, files or rows?
    (A fixture, so test modules need not import conftest under any import mode.)"""
    return raw_contains


@pytest.fixture(name="raw_dump")
def raw_dump_fixture():
    return raw_dump

"""Alembic environment: runs on the connection that ``bot.storage.migrate`` hands over."""
from __future__ import annotations

from alembic import context

from bot.storage.migrate import VERSION_TABLE
from bot.storage.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when someone runs the alembic CLI directly
    raise SystemExit("Run migrations with `rehearse db upgrade` (bot.storage.migrate).")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()

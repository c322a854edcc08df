"""Storage and privacy: SQLite by default, PostgreSQL by DATABASE_URL, Alembic migrations,
encrypted wording, retention and deletion. Imports nothing from Rasa.

    from bot.storage import Store
    store = Store.from_settings()
"""
from bot.storage.errors import (
    DecryptionError,
    KeyFileError,
    SettingsError,
    StorageError,
    StorageUnavailable,
)
from bot.storage.migrate import current_revision, head_revision, upgrade_database
from bot.storage.repository import Store
from bot.storage.settings import Settings, generate_key

__all__ = [
    "DecryptionError",
    "KeyFileError",
    "SettingsError",
    "Settings",
    "StorageError",
    "StorageUnavailable",
    "Store",
    "current_revision",
    "generate_key",
    "head_revision",
    "upgrade_database",
]

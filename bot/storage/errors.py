"""Errors the storage layer raises, each with a message a person can act on.

The CLI prints ``str(error)`` and exits 2; no stack trace reaches the user.
"""
from __future__ import annotations


class StorageError(Exception):
    """Base class: something about the database, the key or the settings is wrong."""


class SettingsError(StorageError, ValueError):
    """An environment setting has a value that cannot be used."""


class StorageUnavailable(StorageError, ConnectionError):
    """The database cannot be reached or opened; the message names DATABASE_URL."""


class KeyFileError(StorageError):
    """The encryption key file is missing, malformed, or readable by others."""


class DecryptionError(StorageError):
    """Stored ciphertext cannot be opened with the current key (wrong key or tampered)."""

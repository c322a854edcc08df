"""Storage settings from the environment, with safe defaults.

* ``DATABASE_URL``: any SQLAlchemy URL; default is a SQLite file in ``<project>/var/``.
* ``REHEARSE_RETENTION_DAYS``: how long data is kept (default 30).
* ``REHEARSE_KEY``: urlsafe-base64 32-byte key; without it a key file is generated at
  ``REHEARSE_KEY_FILE`` (default ``<project>/var/secret.key``), readable only by its owner.
"""
from __future__ import annotations

import base64
import binascii
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

from bot.paths import PROJECT_ROOT
from bot.storage.errors import KeyFileError, SettingsError

VAR_DIR = PROJECT_ROOT / "var"
DEFAULT_DATABASE_URL = f"sqlite:///{VAR_DIR / 'rehearse.db'}"
DEFAULT_KEY_FILE = VAR_DIR / "secret.key"
DEFAULT_RETENTION_DAYS = 30
KEY_BYTES = 32


@dataclass(frozen=True)
class Settings:
    """Where the data lives, how long it stays, and where the key comes from."""

    database_url: str = DEFAULT_DATABASE_URL
    retention_days: int = DEFAULT_RETENTION_DAYS
    key_env: Optional[str] = None
    key_file: Path = DEFAULT_KEY_FILE

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> "Settings":
        env = os.environ if environ is None else environ
        url = (env.get("DATABASE_URL") or "").strip() or DEFAULT_DATABASE_URL
        return cls(
            database_url=url,
            retention_days=parse_retention_days(env.get("REHEARSE_RETENTION_DAYS")),
            key_env=(env.get("REHEARSE_KEY") or "").strip() or None,
            key_file=Path(env.get("REHEARSE_KEY_FILE") or DEFAULT_KEY_FILE),
        )

    def key(self) -> bytes:
        """The 32-byte data key: from REHEARSE_KEY, else the key file (created if absent)."""
        if self.key_env is not None:
            return decode_key(self.key_env, source="REHEARSE_KEY")
        return load_or_create_key_file(self.key_file)


def parse_retention_days(raw: Optional[str]) -> int:
    if raw is None or not str(raw).strip():
        return DEFAULT_RETENTION_DAYS
    try:
        days = int(str(raw).strip())
    except ValueError:
        raise SettingsError(
            f"REHEARSE_RETENTION_DAYS must be a whole number of days, got {raw!r}."
        ) from None
    if days < 1:
        raise SettingsError(f"REHEARSE_RETENTION_DAYS must be at least 1, got {days}.")
    return days


def generate_key() -> str:
    """A fresh key in the format REHEARSE_KEY expects."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def decode_key(text: str, source: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        key = b""
    if len(key) != KEY_BYTES:
        raise SettingsError(
            f"{source} must be a urlsafe-base64 encoded 32-byte key "
            f"(make one with: python -c \"from bot.storage.settings import generate_key; "
            f"print(generate_key())\")."
        )
    return key


def load_or_create_key_file(path: Path) -> bytes:
    """Read the key file, creating it (mode 0600) if it does not exist yet.

    A key file that group or others could read is refused: anyone who can read it can
    read every kept word.
    """
    path = Path(path)
    if not path.exists():
        _create_key_file(path)
    try:
        info = path.stat()
    except OSError as error:
        raise KeyFileError(f"Cannot read the key file {path}: {error.strerror}.") from None
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        raise KeyFileError(
            f"The key file {path} has permissions {mode:04o}: other users could read it. "
            f"Run `chmod 600 {path}` (or set REHEARSE_KEY instead) and start again."
        )
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as error:
        raise KeyFileError(f"Cannot read the key file {path}: {error}.") from None
    try:
        return decode_key(text, source=f"The key file {path}")
    except SettingsError as error:
        raise KeyFileError(str(error)) from None


def _create_key_file(path: Path) -> None:
    """Write a new key atomically; if another process wins the race, keep its key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".secret-", dir=str(path.parent))
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, (generate_key() + "\n").encode("ascii"))
        os.fsync(fd)
        os.close(fd)
        try:
            os.link(tmp_name, path)  # atomic and fails if the file appeared meanwhile
        except FileExistsError:
            pass
    finally:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass

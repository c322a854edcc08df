"""Settings from the environment and the key file's permission rules."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from bot.paths import PROJECT_ROOT
from bot.storage.errors import KeyFileError, SettingsError
from bot.storage.settings import Settings, generate_key, load_or_create_key_file


def test_defaults_point_into_project_var():
    s = Settings.from_env({})
    assert s.database_url == f"sqlite:///{PROJECT_ROOT / 'var' / 'rehearse.db'}"
    assert s.retention_days == 30
    assert s.key_file == PROJECT_ROOT / "var" / "secret.key"


def test_environment_overrides():
    s = Settings.from_env(
        {"DATABASE_URL": " postgresql://u@h/db ", "REHEARSE_RETENTION_DAYS": "7", "REHEARSE_KEY_FILE": "/x/k"}
    )
    assert (s.database_url, s.retention_days, s.key_file) == ("postgresql://u@h/db", 7, Path("/x/k"))


@pytest.mark.parametrize("raw", ["abc", "0", "-3", "1.5", "🙂"])
def test_bad_retention_names_the_setting(raw):
    with pytest.raises(SettingsError, match="REHEARSE_RETENTION_DAYS"):
        Settings.from_env({"REHEARSE_RETENTION_DAYS": raw})


def test_key_from_environment():
    key = generate_key()
    assert len(Settings.from_env({"REHEARSE_KEY": key}).key()) == 32


@pytest.mark.parametrize("bad", ["short", "not base64 at all!!", "QUJD", "é" * 44])
def test_bad_environment_key_names_the_setting(bad):
    with pytest.raises(SettingsError, match="REHEARSE_KEY"):
        Settings.from_env({"REHEARSE_KEY": bad}).key()


def test_key_file_created_owner_only_and_stable(tmp_path):
    path = tmp_path / "nested" / "secret.key"
    old_umask = os.umask(0)  # even a permissive umask must not widen the file
    try:
        first = load_or_create_key_file(path)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) == 32
    assert load_or_create_key_file(path) == first
    assert not [p for p in path.parent.iterdir() if p.name != "secret.key"], "temp file left behind"


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_key_file_readable_by_others_is_refused(tmp_path, mode):
    path = tmp_path / "secret.key"
    load_or_create_key_file(path)
    path.chmod(mode)
    with pytest.raises(KeyFileError) as info:
        load_or_create_key_file(path)
    message = str(info.value)
    assert f"chmod 600 {path}" in message and "REHEARSE_KEY" in message


def test_malformed_key_file_is_refused(tmp_path):
    path = tmp_path / "secret.key"
    path.write_text("not a key\n")
    path.chmod(0o600)
    with pytest.raises(KeyFileError, match=str(path)):
        load_or_create_key_file(path)


def test_settings_key_uses_file_when_no_env(tmp_path):
    s = Settings.from_env({"REHEARSE_KEY_FILE": str(tmp_path / "k")})
    assert s.key() == s.key()
    assert (tmp_path / "k").exists()

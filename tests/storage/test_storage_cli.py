"""`rehearse purge` and `rehearse db`: counts on stdout, one clear line and exit 2 on errors."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

from bot.paths import PROJECT_ROOT
from bot.storage import Store
from bot.storage.cli import db_main, purge_main


def test_purge_prints_counts(db_url, key, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", db_url)
    store = Store.from_settings()
    old = datetime.now(timezone.utc) - timedelta(days=100)
    store.record_attempt("s1", {"kind": "ask", "started_at": old}, None)
    store.record_attempt("s1", {"kind": "ask"}, None)
    store.close()
    assert purge_main([]) == 0
    out = capsys.readouterr().out
    assert "older than 30 days" in out and "attempts: 1" in out and "sessions: 0" in out
    assert purge_main(["--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"attempts": 0, "consent_events": 0, "sessions": 0, "tracker_events": 0}


def test_purge_days_option(db_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", db_url)
    store = Store.from_settings()
    store.record_attempt("s1", {"kind": "ask", "started_at": datetime.now(timezone.utc) - timedelta(days=3)}, None)
    store.close()
    assert purge_main(["--days", "2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["attempts"] == 1
    assert purge_main(["--days", "0"]) == 2
    assert "--days" in capsys.readouterr().err


def test_db_upgrade_and_current(db_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert db_main(["current"]) == 0
    assert "empty database" in capsys.readouterr().out
    assert db_main(["upgrade"]) == 0
    assert "0003_erasures" in capsys.readouterr().out
    assert db_main(["current"]) == 0
    assert capsys.readouterr().out.strip() == "0003_erasures"
    assert db_main(["heads"]) == 0
    assert db_main(["upgrade", "no-such-revision"]) == 2
    assert db_main([]) == 2


def test_bad_settings_exit_2_with_one_line(monkeypatch, capsys):
    monkeypatch.setenv("REHEARSE_RETENTION_DAYS", "soon")
    assert purge_main([]) == 2
    assert "REHEARSE_RETENTION_DAYS" in capsys.readouterr().err


def test_unreachable_database_through_the_console_script(tmp_path):
    """The real entry point: no traceback, the setting to fix named, exit code 2."""
    env = dict(os.environ, DATABASE_URL="postgresql://nobody:s3cret@127.0.0.1:1/rehearse",
               REHEARSE_KEY_FILE=str(tmp_path / "k"))
    for args in (["purge"], ["db", "upgrade"]):
        proc = subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=PROJECT_ROOT, env=env,
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2, proc.stderr
        assert "DATABASE_URL" in proc.stderr and "Traceback" not in proc.stderr
        assert "s3cret" not in proc.stderr, "the password must be masked"

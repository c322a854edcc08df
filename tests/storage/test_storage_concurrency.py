"""Two server processes writing at once, each with its own engine, lose nothing."""
from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

from bot.storage import Store

WRITES = 30
WRITER = Path(__file__).with_name("concurrent_writer.py")


def test_concurrent_writers_lose_nothing(db_url, key, tmp_path):
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, str(WRITER), db_url, base64.urlsafe_b64encode(key).decode(), str(w), str(WRITES), str(go)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for w in (1, 2)
    ]
    go.touch()  # both start writing at the same moment
    results = [p.communicate(timeout=120) for p in procs]
    for p, (_, err) in zip(procs, results):
        assert p.returncode == 0, err[-2000:]

    store = Store(url=db_url, key=key)
    shared = store.export_session("shared-session")["attempts"]
    assert len(shared) == 2 * WRITES
    assert sorted((a["scores"]["w"], a["scores"]["i"]) for a in shared) == sorted(
        (w, i) for w in (1, 2) for i in range(WRITES)
    )
    for w in (1, 2):
        assert len(store.export_session(f"own-{w}")["attempts"]) == WRITES
    assert len(store.export_session("shared-session")["consent_events"]) == 2 * (WRITES // 10)
    store.close()

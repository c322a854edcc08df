"""One "server process" for test_storage_concurrency: waits for a start file, then writes.

Run as a script (not collected by pytest): python concurrent_writer.py URL KEY WORKER N GO_FILE
"""
from __future__ import annotations

import base64
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the project root

from bot.storage import Store  # noqa: E402


def main(url: str, key: str, worker: int, writes: int, go_file: Path) -> None:
    store = Store(url=url, key=base64.urlsafe_b64decode(key))  # both race on the upgrade too
    deadline = time.monotonic() + 60
    while not go_file.exists():
        if time.monotonic() > deadline:
            raise SystemExit("never told to start")
        time.sleep(0.01)
    for i in range(writes):
        # the shared session is created by whichever process gets there first
        store.record_attempt("shared-session", {"kind": "ask", "scores": {"w": worker, "i": i}}, None)
        store.record_attempt(f"own-{worker}", {"kind": "refuse", "scores": {"i": i}}, None)
        store.touch_session("shared-session")
        if i % 10 == 0:
            store.set_keep_wording("shared-session", bool(i % 20))
    store.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), Path(sys.argv[5]))

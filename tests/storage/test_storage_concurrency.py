"""Two server processes writing at once, each with its own engine, lose nothing."""
from __future__ import annotations

import multiprocessing as mp

from bot.storage import Store

WRITES = 30


def _worker(url: str, key: bytes, worker: int, start, errors) -> None:
    try:
        store = Store(url=url, key=key)  # both also race on upgrade_database()
        start.wait(30)
        for i in range(WRITES):
            # the shared session is created by whichever process gets there first
            store.record_attempt("shared-session", {"kind": "ask", "scores": {"w": worker, "i": i}}, None)
            store.record_attempt(f"own-{worker}", {"kind": "refuse", "scores": {"i": i}}, None)
            store.touch_session("shared-session")
            if i % 10 == 0:
                store.set_keep_wording("shared-session", bool(i % 20))
        store.close()
    except BaseException as error:  # reported to the parent, which fails the test
        errors.put(f"worker {worker}: {type(error).__name__}: {error}")


def test_concurrent_writers_lose_nothing(db_url, key):
    ctx = mp.get_context("spawn")  # fresh interpreters: nothing shared but the database
    start, errors = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(db_url, key, w, start, errors)) for w in (1, 2)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(120)
    problems = []
    while not errors.empty():
        problems.append(errors.get())
    assert not problems, problems
    assert [p.exitcode for p in procs] == [0, 0]

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

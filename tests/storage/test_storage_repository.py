"""The Store on SQLite and PostgreSQL: minimal, encrypted, exportable, deletable, expiring."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from bot.storage import Store, StorageUnavailable
from bot.storage.models import tracker_events

SENTENCE = "I'd love for us to try the velvet blindfold on a quiet Sunday, zebra-lantern-42"
SUGGESTION = "Try: I'd like to try this, and it's okay to say no (rewrite-marker-77)"


def summary(**overrides):
    base = {
        "kind": "ask",
        "activity_id": "blindfold",
        "persona": "sam",
        "difficulty": "gentle",
        "outcome": "agreed",
        "scores": {"clarity": 0.8, "warmth": 1, "pressure": 0},
        "findings": [
            {"code": "i_statement", "polarity": "strength", "start": 0, "end": 9, "turn": 1,
             "explanation": "You spoke for yourself.", "suggestion": SUGGESTION},
            {"code": "minimizing", "polarity": "concern", "start": 20, "end": 31, "turn": 2},
        ],
        "partner_pressure": ["hesitant", {"asked_again": 1}],
    }
    base.update(overrides)
    return base


def insert_tracker_rows(url: str, sender_id: str, timestamps: list[float]) -> None:
    """Rows shaped like Rasa's events table, written without importing Rasa."""
    engine = sa.create_engine(url)
    tracker_events.metadata.create_all(engine)
    with engine.begin() as conn:
        for ts in timestamps:
            conn.execute(tracker_events.insert().values(
                sender_id=sender_id, type_name="user", timestamp=ts, data=f"sealed-{sender_id}-{ts}"))
    engine.dispose()


def count_tracker_rows(url: str, sender_id: str | None = None) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        q = sa.select(sa.func.count()).select_from(tracker_events)
        if sender_id is not None:
            q = q.where(tracker_events.c.sender_id == sender_id)
        n = conn.execute(q).scalar()
    engine.dispose()
    return n


def test_touch_and_get_session(store):
    assert store.get_session("new-one") is None
    store.touch_session("new-one")
    first = store.get_session("new-one")
    assert first["session_id"] == "new-one" and first["keep_wording"] is False
    assert first["adult_confirmed_at"] is None and first["region"] is None
    store.confirm_adult("new-one")
    store.set_region("new-one", "GB")
    again = store.get_session("new-one")
    assert again["adult_confirmed_at"] is not None and again["region"] == "GB"
    assert again["last_seen_at"] >= first["last_seen_at"]
    assert datetime.fromisoformat(again["created_at"]).tzinfo is not None


def test_unknown_session_gives_empty_results(store):
    assert store.get_session("nobody") is None
    assert store.previous_attempt("nobody", "ask") is None
    export = store.export_session("nobody")
    assert export["session"] is None and export["attempts"] == [] and export["consent_events"] == []
    assert store.delete_session("nobody") == {"sessions": 0, "attempts": 0, "consent_events": 0, "tracker_events": 0}


def test_wording_not_stored_without_opt_in(store, db_url, raw_contains):
    attempt_id = store.record_attempt("sid-plain", summary(), [SENTENCE])
    assert isinstance(attempt_id, int)
    assert not raw_contains(db_url, "zebra-lantern-42")
    assert not raw_contains(db_url, "rewrite-marker-77"), "finding suggestions are text and must be dropped"
    exported = store.export_session("sid-plain")["attempts"][0]
    assert exported["wording"] is None and exported["wording_kept"] is False
    assert exported["findings"][0] == {"code": "i_statement", "polarity": "strength", "start": 0, "end": 9, "turn": 1}


def test_wording_with_opt_in_is_ciphertext_only_and_export_decrypts(store, db_url, raw_contains):
    store.set_keep_wording("sid-kept", True)
    words = [SENTENCE, "Emoji too 🙂🌈", "x" * 10_000, "\x00\x01 binary-ish \ufffd", "¿Podemos hablar de esto?"]
    store.record_attempt("sid-kept", summary(), words)
    assert not raw_contains(db_url, "zebra-lantern-42")
    assert not raw_contains(db_url, "Podemos hablar")
    export = store.export_session("sid-kept")
    json.dumps(export)  # JSON-able
    assert export["attempts"][0]["wording"] == words
    assert export["session"]["keep_wording"] is True
    assert [c["choice"] for c in export["consent_events"]] == ["keep_wording_on"]


def test_turning_opt_in_off_erases_kept_wording(store, db_url):
    store.set_keep_wording("sid-off", True)
    store.record_attempt("sid-off", summary(), [SENTENCE])
    store.record_attempt("sid-off", summary(), None)
    assert store.set_keep_wording("sid-off", False) == 1
    attempts = store.export_session("sid-off")["attempts"]
    assert [a["wording"] for a in attempts] == [None, None]
    store.record_attempt("sid-off", summary(), [SENTENCE])
    assert store.export_session("sid-off")["attempts"][-1]["wording"] is None


def test_previous_attempt_is_latest_of_that_kind(store):
    t0 = datetime(2030, 1, 1, tzinfo=timezone.utc)
    store.record_attempt("sid-p", summary(started_at=t0, scores={"clarity": 0.1}), None)
    store.record_attempt("sid-p", summary(started_at=t0 + timedelta(hours=1), scores={"clarity": 0.9}), None)
    store.record_attempt("sid-p", summary(kind="refuse", started_at=t0 + timedelta(hours=2)), None)
    prev = store.previous_attempt("sid-p", "ask")
    assert prev["scores"] == {"clarity": 0.9} and prev["kind"] == "ask"
    assert "wording" not in prev
    assert store.previous_attempt("sid-p", "renegotiate") is None
    assert store.previous_attempt("sid-p", "refuse")["kind"] == "refuse"


def test_delete_session_leaves_nothing_in_either_store(store, db_url, raw_contains):
    victim, other = "victim-session-9f3a", "other-session-1b2c"
    for sid in (victim, other):
        store.set_keep_wording(sid, True)
        store.confirm_adult(sid)
        store.record_attempt(sid, summary(), [SENTENCE])
    insert_tracker_rows(db_url, victim, [1.0, 2.0, 3.0])
    insert_tracker_rows(db_url, other, [1.0])
    counts = store.delete_session(victim)
    assert counts == {"sessions": 1, "attempts": 1, "consent_events": 2, "tracker_events": 3}
    assert not raw_contains(db_url, victim), "the deleted session id survives somewhere"
    assert store.get_session(victim) is None and store.export_session(victim)["attempts"] == []
    assert count_tracker_rows(db_url, other) == 1 and store.get_session(other) is not None
    assert len(store.export_session(other)["attempts"]) == 1


def test_purge_removes_expired_only(store, db_url):
    now = datetime.now(timezone.utc)
    store.record_attempt("old-session", summary(started_at=now - timedelta(days=90)), None)
    store.record_attempt("live-session", summary(started_at=now - timedelta(days=45)), None)
    store.record_attempt("live-session", summary(started_at=now - timedelta(days=1)), None)
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:  # age the first session's last visit
        conn.execute(sa.text("UPDATE sessions SET last_seen_at = :t WHERE id = 'old-session'"),
                     {"t": (now - timedelta(days=31)).replace(tzinfo=None)})
    engine.dispose()
    insert_tracker_rows(db_url, "old-session", [(now - timedelta(days=40)).timestamp()])
    insert_tracker_rows(db_url, "live-session", [(now - timedelta(days=40)).timestamp(), now.timestamp()])

    counts = store.purge_expired(now=now)
    assert counts == {"sessions": 1, "attempts": 2, "consent_events": 0, "tracker_events": 2}
    assert store.get_session("old-session") is None
    live = store.export_session("live-session")["attempts"]
    assert len(live) == 1 and live[0]["started_at"] >= (now - timedelta(days=2)).isoformat()
    assert count_tracker_rows(db_url) == 1
    assert store.purge_expired(now=now) == {"sessions": 0, "attempts": 0, "consent_events": 0, "tracker_events": 0}


def test_retention_period_is_configurable(db_url, key):
    short = Store(url=db_url, key=key, retention_days=2)
    now = datetime.now(timezone.utc)
    short.record_attempt("s", summary(started_at=now - timedelta(days=3)), None)
    short.record_attempt("s", summary(started_at=now - timedelta(hours=1)), None)
    assert short.purge_expired()["attempts"] == 1
    short.close()


BAD_SUMMARIES = [
    None, "ask", [], {"kind": "seduce"}, {"kind": None}, {"kind": ["ask"]},
    summary(transcript=SENTENCE), summary(scores=[1, 2]), summary(scores={"clarity": "high"}),
    summary(scores={"clarity": float("nan")}), summary(scores={"c": True}), summary(findings="minimizing"),
    summary(findings=[{"code": "minimizing", "start": -1, "end": 3}]),
    summary(findings=[{"code": "minimizing", "start": 5, "end": 3}]),
    summary(findings=[{"code": SENTENCE}]), summary(findings=[{"polarity": "concern"}]),
    summary(findings=[{"code": "x", "polarity": "meh"}]), summary(findings=["minimizing"]),
    summary(partner_pressure=[SENTENCE]), summary(partner_pressure={"a": object()}),
    summary(started_at="yesterday"), summary(started_at=float("inf")), summary(activity_id=SENTENCE),
    summary(difficulty=True), summary(persona={"id": "sam"}),
]


def test_bad_summaries_raise_value_error(store):
    # one database for all cases: creating one per case would dominate the run time
    for bad in BAD_SUMMARIES:
        with pytest.raises(ValueError):
            store.record_attempt("sid-bad", bad, None)
            pytest.fail(f"accepted {bad!r}")
    assert store.export_session("sid-bad")["attempts"] == []


def test_bad_wording_raises_value_error(store):
    for bad_wording in ["a plain string", [1, 2], [None], b"bytes", {"a": "b"}, ["x" * 200_001]]:
        with pytest.raises(ValueError):
            store.record_attempt("sid-bad", summary(), bad_wording)
            pytest.fail(f"accepted wording {bad_wording!r:.60}")


def test_bad_session_ids_raise_value_error(store):
    for bad_id in [None, 42, "", "   ", "x" * 256, b"bytes", ["list"], "nul\x00byte"]:
        for call in (
            lambda: store.touch_session(bad_id),
            lambda: store.get_session(bad_id),
            lambda: store.record_attempt(bad_id, summary(), None),
            lambda: store.export_session(bad_id),
            lambda: store.delete_session(bad_id),
            lambda: store.previous_attempt(bad_id, "ask"),
            lambda: store.confirm_adult(bad_id),
            lambda: store.set_keep_wording(bad_id, True),
        ):
            with pytest.raises(ValueError):
                call()
                pytest.fail(f"accepted session id {bad_id!r:.40}")


def test_other_bad_arguments(store):
    with pytest.raises(ValueError):
        store.set_keep_wording("s", "yes")
    with pytest.raises(ValueError):
        store.set_keep_wording("s", 1)
    with pytest.raises(ValueError):
        store.previous_attempt("s", "dance")
    with pytest.raises(ValueError):
        store.purge_expired(now="last tuesday")
    with pytest.raises(ValueError):
        store.set_region("s", "a region that is a sentence")
    for days in (0, -1, "30", 2.5, True):
        with pytest.raises(ValueError):
            Store(url=store.url, key=bytes(32), retention_days=days, upgrade=False)


def test_odd_but_valid_session_ids_round_trip(store):
    for sid in ["🙂", "ünïcødé-ид", "a" * 255, "with space", "'; DROP TABLE sessions; --"]:
        store.record_attempt(sid, summary(), None)
        assert store.export_session(sid)["attempts"][0]["kind"] == "ask"
        assert store.delete_session(sid)["sessions"] == 1


def test_minimal_summary_gets_defaults(store):
    store.record_attempt("sid-min", {"kind": "renegotiate"}, None)
    a = store.previous_attempt("sid-min", "renegotiate")
    assert a["scores"] == {} and a["findings"] == [] and a["partner_pressure"] is None
    assert a["started_at"] and a["ended_at"] and a["shared_with_therapist"] is False


def test_integer_difficulty_and_epoch_times(store):
    store.record_attempt("sid-int", summary(difficulty=2, started_at=1_900_000_000), None)
    a = store.previous_attempt("sid-int", "ask")
    assert a["difficulty"] == "2" and a["started_at"].startswith("2030-03-17")


@pytest.mark.parametrize(
    "url",
    ["postgresql://postgres@127.0.0.1:1/nowhere", "sqlite:////proc/no-such-dir/x.db", "not a url", "mysql://u@h/db"],
)
def test_unreachable_database_names_the_setting(url, key):
    with pytest.raises(StorageUnavailable) as info:
        Store(url=url, key=key)
    assert "DATABASE_URL" in str(info.value)


def test_store_from_settings_uses_environment(db_url, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", db_url)
    s = Store.from_settings()
    s.touch_session("env-session")
    assert s.url == db_url and s.get_session("env-session") is not None
    assert (tmp_path / "keys" / "secret.key").exists(), "key file generated next to the test"
    s.close()


def test_raw_dump_sees_plaintext_when_it_is_there(db_url, raw_contains, raw_dump):
    """Guard for the searches above: the helper does find a sentence that is stored."""
    insert_tracker_rows(db_url, "probe", [1.0])
    assert raw_contains(db_url, "sealed-probe-1.0")
    assert b"sealed-probe" in raw_dump(db_url)


def test_new_sqlite_database_is_owner_only(tmp_path, key):
    import stat

    path = tmp_path / "fresh" / "rehearse.db"
    s = Store(url=f"sqlite:///{path}", key=key)
    s.record_attempt("s", {"kind": "ask"}, None)
    s.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

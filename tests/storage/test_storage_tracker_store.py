"""The encrypted Rasa tracker store (imports Rasa, so kept in this one module)."""
from __future__ import annotations

import asyncio
import time

import pytest
import sqlalchemy as sa

pytest.importorskip("rasa")

from rasa.core.tracker_store import TrackerStore  # noqa: E402
from rasa.shared.core.domain import Domain  # noqa: E402
from rasa.shared.core.events import (  # noqa: E402
    ActionExecuted,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker  # noqa: E402
from rasa.utils.endpoints import EndpointConfig  # noqa: E402

from bot.storage import DecryptionError, Store, StorageUnavailable  # noqa: E402
from components.tracker_store import EncryptedSQLTrackerStore  # noqa: E402

SENTENCE = "Could we maybe try the silk ropes next weekend, marmalade-comet-913?"
REPLY = "Oh! Tell me more about what you picture, quiet-harbor-551."
DOMAIN = Domain.from_dict({"slots": {"last_user_text": {"type": "text", "mappings": [{"type": "custom"}]}}})
TYPE = "components.tracker_store.EncryptedSQLTrackerStore"


def run(coro):
    return asyncio.run(coro)


def conversation(sender: str, start: float, user_text: str = SENTENCE) -> list:
    # As Rasa logs them: SessionStarted is created inside the action, so it is older than
    # the ActionExecuted that precedes it in the event list.
    return [
        ActionExecuted("action_session_start", timestamp=start + 0.001),
        SessionStarted(timestamp=start),
        ActionExecuted("action_listen", timestamp=start + 0.002),
        UserUttered(user_text, intent={"name": "rehearse_text", "confidence": 0.9},
                    parse_data={"text": user_text, "intent": {"name": "rehearse_text", "confidence": 0.9},
                                "entities": []}, timestamp=start + 1),
        SlotSet("last_user_text", user_text, timestamp=start + 1.1),
        BotUttered(REPLY, data={"custom": {"data": {"role": "partner", "text": REPLY}}}, timestamp=start + 2),
        ActionExecuted("action_listen", timestamp=start + 3),
    ]


def make_tracker(sender: str, events: list) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(sender, events, DOMAIN.slots)


@pytest.fixture
def tracker_store(db_url, key):
    return EncryptedSQLTrackerStore(domain=DOMAIN, url=db_url, key=key)


def test_no_plaintext_at_rest_and_text_intact_on_retrieve(tracker_store, db_url, raw_contains):
    run(tracker_store.save(make_tracker("sender-a", conversation("sender-a", time.time()))))
    for needle in ("marmalade-comet-913", "silk ropes", "quiet-harbor-551", "rehearse_text"):
        assert not raw_contains(db_url, needle), f"{needle!r} found in the raw database"
    back = run(tracker_store.retrieve("sender-a"))
    assert back.latest_message.text == SENTENCE
    assert back.latest_message.parse_data["text"] == SENTENCE
    assert back.get_slot("last_user_text") == SENTENCE
    assert [e.text for e in back.events if isinstance(e, BotUttered)] == [REPLY]
    assert raw_contains(db_url, "sender-a"), "sender id, type and timestamp stay clear for queries"


def test_save_appends_only_new_events(tracker_store, db_url):
    tracker = make_tracker("sender-b", conversation("sender-b", time.time()))
    run(tracker_store.save(tracker))
    tracker.update(UserUttered("and one more thing", intent={"name": "x", "confidence": 1.0}))
    run(tracker_store.save(tracker))
    run(tracker_store.save(tracker))
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        n = conn.execute(sa.text("SELECT count(*) FROM events WHERE sender_id = 'sender-b'")).scalar()
    engine.dispose()
    assert n == len(tracker.events) == 8
    assert run(tracker_store.retrieve("sender-b")).latest_message.text == "and one more thing"


def test_retrieve_is_bounded_to_the_latest_session(tracker_store):
    now = time.time()
    events = conversation("sender-c", now - 7200, user_text="first session words") + conversation("sender-c", now)
    run(tracker_store.save(make_tracker("sender-c", events)))
    latest = run(tracker_store.retrieve("sender-c"))
    texts = [e.text for e in latest.events if isinstance(e, UserUttered)]
    assert texts == [SENTENCE]
    full = run(tracker_store.retrieve_full_tracker("sender-c"))
    assert [e.text for e in full.events if isinstance(e, UserUttered)] == ["first session words", SENTENCE]
    assert run(tracker_store.retrieve("never-seen")) is None
    assert set(run(tracker_store.keys())) == {"sender-c"}


def test_delete_session_clears_tracker_and_project_tables(tracker_store, db_url, key, raw_contains):
    store = Store(url=db_url, key=key)
    store.set_keep_wording("sender-d", True)
    store.record_attempt("sender-d", {"kind": "ask"}, [SENTENCE])
    run(tracker_store.save(make_tracker("sender-d", conversation("sender-d", time.time()))))
    run(tracker_store.save(make_tracker("sender-e", conversation("sender-e", time.time()))))
    counts = store.delete_session("sender-d")
    assert counts["tracker_events"] == 7 and counts["attempts"] == 1 and counts["sessions"] == 1
    assert run(tracker_store.retrieve("sender-d")) is None
    assert not raw_contains(db_url, "sender-d")
    assert run(tracker_store.retrieve("sender-e")).latest_message.text == SENTENCE
    store.close()


def test_purge_drops_old_tracker_events(tracker_store, db_url, key):
    now = time.time()
    run(tracker_store.save(make_tracker("old-sender", conversation("old-sender", now - 40 * 86400))))
    run(tracker_store.save(make_tracker("new-sender", conversation("new-sender", now))))
    store = Store(url=db_url, key=key)
    assert store.purge_expired()["tracker_events"] == 7
    assert run(tracker_store.retrieve("old-sender")) is None
    assert run(tracker_store.retrieve("new-sender")) is not None
    store.close()


def test_wrong_key_is_reported_not_misread(tracker_store, db_url):
    run(tracker_store.save(make_tracker("sender-f", conversation("sender-f", time.time()))))
    other = EncryptedSQLTrackerStore(domain=DOMAIN, url=db_url, key=bytes(32))
    with pytest.raises(DecryptionError, match="REHEARSE_KEY"):
        run(other.retrieve("sender-f"))


def test_created_from_endpoint_config_with_full_url(db_url, monkeypatch):
    store = TrackerStore.create(EndpointConfig(type=TYPE, url=db_url), domain=DOMAIN)
    assert isinstance(store, EncryptedSQLTrackerStore)  # async methods: not wrapped
    run(store.save(make_tracker("sender-g", conversation("sender-g", time.time()))))
    assert run(store.retrieve("sender-g")).latest_message.text == SENTENCE


def test_endpoint_without_url_follows_database_url(db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    store = TrackerStore.create(EndpointConfig(type=TYPE), domain=DOMAIN)
    assert store.engine.url.render_as_string(hide_password=False) == db_url


def test_endpoint_with_split_keys(tmp_path, raw_contains):
    path = tmp_path / "split.db"
    store = TrackerStore.create(EndpointConfig(type=TYPE, dialect="sqlite", db=str(path)), domain=DOMAIN)
    run(store.save(make_tracker("sender-h", conversation("sender-h", time.time()))))
    assert path.exists() and not raw_contains(f"sqlite:///{path}", "marmalade-comet-913")


def test_unreachable_database_fails_fast_naming_the_setting():
    started = time.monotonic()
    with pytest.raises(StorageUnavailable, match="DATABASE_URL"):
        EncryptedSQLTrackerStore(domain=DOMAIN, url="postgresql://postgres@127.0.0.1:1/none")
    assert time.monotonic() - started < 15, "must not retry forever like SQLTrackerStore"


def test_rasa_cannot_write_a_deleted_conversation_back(tracker_store, db_url, key, raw_contains):
    """Rasa saves the in-memory tracker after the action that deleted the data: only what
    happens after the deletion may be stored, and a fresh session follows."""
    tracker = make_tracker("sender-i", conversation("sender-i", time.time() - 5))
    run(tracker_store.save(tracker))
    store = Store(url=db_url, key=key)
    store.delete_session("sender-i")
    tracker.update(BotUttered("Done: everything from this conversation is deleted."))
    tracker.update(ActionExecuted("action_listen"))
    run(tracker_store.save(tracker))
    run(tracker_store.save(tracker))  # saving twice adds nothing
    assert not raw_contains(db_url, "marmalade-comet-913")
    back = run(tracker_store.retrieve("sender-i"))
    assert [type(e).__name__ for e in back.events] == ["BotUttered", "ActionExecuted"]
    tracker.update(UserUttered("a new start", intent={"name": "x", "confidence": 1.0}))
    run(tracker_store.save(tracker))
    assert run(tracker_store.retrieve("sender-i")).latest_message.text == "a new start"
    store.close()


def test_erasure_marker_holds_no_session_id(tracker_store, db_url, key, raw_contains):
    store = Store(url=db_url, key=key)
    store.record_attempt("sender-j-unique-77", {"kind": "ask"}, None)
    store.delete_session("sender-j-unique-77")
    assert not raw_contains(db_url, "sender-j-unique-77")
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM erasures")).scalar() == 1
    engine.dispose()
    now = time.time()
    from datetime import datetime, timedelta, timezone

    store.purge_expired(now=datetime.fromtimestamp(now, timezone.utc) + timedelta(days=31))
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM erasures")).scalar() == 0
    engine.dispose()
    store.close()

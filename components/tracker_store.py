"""Rasa's SQL tracker store with every event's data encrypted at rest.

Configure in endpoints.yml (the URL is optional; without it DATABASE_URL, then the
project's SQLite default, is used, so one setting moves everything)::

    tracker_store:
      type: components.tracker_store.EncryptedSQLTrackerStore
      # url: postgresql://user@host:5432/rehearse    (or dialect/host/port/db/username/password)

Design: the whole ``data`` JSON of each event (user and bot text, parse_data, slot
values...) is sealed with AES-GCM (bot.storage.crypto) bound to the sender id, always,
whatever the user's opt-in: there is no plaintext transcript at rest. Only ``sender_id``,
``type_name`` and ``timestamp`` stay clear, which is what Rasa needs to find the latest
conversation session and what deletion and purge need; ``intent_name`` and
``action_name`` are left empty (they are inside the sealed data anyway).
"""
from __future__ import annotations

import json
import logging
from typing import Any, Dict, Iterator, Optional, Text
from urllib.parse import urlsplit

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, validate_port
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot.storage.crypto import Cipher
from bot.storage.engine import check_connection, make_engine, safe_url
from bot.storage.migrate import upgrade_database
from bot.storage.models import Erasure
from bot.storage.settings import Settings

logger = logging.getLogger(__name__)


class EncryptedSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that encrypts event data and fails fast on an unreachable DB."""

    def __init__(
        self,
        domain: Optional[Domain] = None,
        host: Optional[Text] = None,
        url: Optional[Text] = None,
        dialect: Optional[Text] = None,
        port: Optional[int] = None,
        db: Optional[Text] = None,
        username: Optional[Text] = None,
        password: Optional[Text] = None,
        event_broker: Optional[EventBroker] = None,
        login_db: Optional[Text] = None,
        query: Optional[Dict] = None,
        key: Optional[bytes] = None,
        **kwargs: Any,
    ) -> None:
        settings = Settings.from_env()
        engine_url = self.resolve_url(
            settings, url=url, host=host, dialect=dialect, port=port, db=db,
            username=username, password=password, login_db=login_db, query=query,
        )
        self._cipher = Cipher(key if key is not None else settings.key())
        self.engine = make_engine(engine_url)
        check_connection(self.engine)  # StorageUnavailable naming DATABASE_URL, no retry loop
        if login_db:
            self._create_database_and_update_engine(db, self.engine.url)
        upgrade_database(engine=self.engine)  # the erasures table; idempotent and locked
        try:
            self.Base.metadata.create_all(self.engine)
        except (sa.exc.OperationalError, sa.exc.ProgrammingError) as error:
            # Another process may be creating the same table right now (as in Rasa).
            logger.warning(f"Could not create the events table: {error}")
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        logger.debug(f"Encrypted tracker store on {safe_url(self.engine.url)}")
        # Skip SQLTrackerStore.__init__ (it would build a second engine and retry forever).
        super(SQLTrackerStore, self).__init__(domain, event_broker, **kwargs)

    @staticmethod
    def resolve_url(
        settings: Settings,
        url: Optional[Text] = None,
        host: Optional[Text] = None,
        dialect: Optional[Text] = None,
        port: Optional[int] = None,
        db: Optional[Text] = None,
        username: Optional[Text] = None,
        password: Optional[Text] = None,
        login_db: Optional[Text] = None,
        query: Optional[Dict] = None,
    ) -> Any:
        """A full URL (``url``, or ``host`` holding one) wins; then the split keys; then
        DATABASE_URL / the project default."""
        for candidate in (url, host):
            if candidate and "://" in str(candidate):
                return str(candidate)
        if host or dialect or db:
            port = validate_port(port)
            if host:  # "host:port" is accepted, as in Rasa
                parsed = urlsplit(f"scheme://{host}")
                host, port = parsed.hostname or host, parsed.port or port
            return sa.engine.URL.create(
                dialect or "sqlite", username=username, password=password, host=host,
                port=port, database=login_db or db or "rasa.db", query=query or {},
            )
        return settings.database_url

    # --- encryption at the two places Rasa touches `data` ---------------------------

    def _seal(self, sender_id: Text, data: Dict[Text, Any]) -> Text:
        return self._cipher.encrypt(json.dumps(data), sender_id)

    def _open(self, sender_id: Text, token: Text) -> Dict[Text, Any]:
        return json.loads(self._cipher.decrypt(token, sender_id))

    async def _retrieve(
        self, sender_id: Text, fetch_events_from_all_sessions: bool
    ) -> Optional[DialogueStateTracker]:
        """As SQLTrackerStore: only the latest session unless asked for all; decrypted."""
        with self.session_scope() as session:
            rows = self._event_query(
                session, sender_id, fetch_events_from_all_sessions=fetch_events_from_all_sessions
            ).all()
            events = [self._open(sender_id, row.data) for row in rows]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        """New events to store; after "delete my data", never the erased ones.

        Rasa saves the tracker it holds in memory after the deleting action ran; without
        this it would write the whole deleted conversation back.
        """
        marker = session.get(Erasure, self._cipher.fingerprint(tracker.sender_id))
        if marker is None:
            return super()._additional_events(session, tracker)
        fresh = [e for e in tracker.events if (e.timestamp or 0) > marker.erased_at]
        stored = (
            session.query(self.SQLEvent)
            .filter(self.SQLEvent.sender_id == tracker.sender_id, self.SQLEvent.timestamp > marker.erased_at)
            .count()
        )
        return iter(fresh[stored:])

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Append the tracker's new events, each with its data sealed."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            for event in self._additional_events(session, tracker):
                data = event.as_dict()
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=None,
                        action_name=None,
                        data=self._seal(tracker.sender_id, data),
                    )
                )
            session.commit()


"""The Store: everything the actions and the web API do with stored data.

Anonymous (a random session id, no account), minimal (codes, offsets, scores), the
user's words only after opt-in and then encrypted, deletable at once, expiring after
the retention period. Every method returns plain JSON-able values.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Iterator, List, Optional

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from bot.storage import validation as check
from bot.storage.crypto import Cipher
from bot.storage.engine import check_connection, compact_sqlite, make_engine
from bot.storage.migrate import upgrade_database
from bot.storage.models import Attempt, ConsentEvent, Erasure, Session, tracker_events, utcnow
from bot.storage.settings import DEFAULT_RETENTION_DAYS, Settings

_sessions = Session.__table__
_attempts = Attempt.__table__
_consent = ConsentEvent.__table__
_erasures = Erasure.__table__

EXPORT_FORMAT = "rehearse-export/1"


def _iso(value: Optional[datetime]) -> Optional[str]:
    return value.isoformat() if value is not None else None


class Store:
    """Project data (sessions, attempts, consent choices) plus cleanup of Rasa's events."""

    def __init__(
        self,
        url: Optional[str] = None,
        key: Optional[bytes] = None,
        retention_days: Optional[int] = None,
        upgrade: bool = True,
        settings: Optional[Settings] = None,
    ) -> None:
        """Open the database (default: DATABASE_URL) and migrate it unless ``upgrade=False``.

        Raises StorageUnavailable when the database cannot be opened, KeyFileError or
        SettingsError for a bad key or setting.
        """
        settings = settings or Settings.from_env()
        self.url = url or settings.database_url
        if retention_days is None:
            retention_days = settings.retention_days or DEFAULT_RETENTION_DAYS
        if isinstance(retention_days, bool) or not isinstance(retention_days, int) or retention_days < 1:
            raise ValueError("retention_days must be a whole number of days, at least 1")
        self.retention_days = retention_days
        self._cipher = Cipher(key if key is not None else settings.key())
        self.engine: Engine = make_engine(self.url)
        check_connection(self.engine)
        if upgrade:
            upgrade_database(engine=self.engine)

    @classmethod
    def from_settings(cls, settings: Optional[Settings] = None) -> "Store":
        settings = settings or Settings.from_env()
        return cls(settings=settings)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    # --- sessions -----------------------------------------------------------------

    def _ensure_session(self, conn: Connection, session_id: str, now: datetime) -> None:
        """Create the session row if missing, without racing another process."""
        values = dict(id=session_id, created_at=now, last_seen_at=now, keep_wording=False)
        dialect = conn.dialect.name
        if dialect == "postgresql":
            conn.execute(postgresql.insert(_sessions).values(**values).on_conflict_do_nothing())
        elif dialect == "sqlite":
            conn.execute(sqlite.insert(_sessions).values(**values).on_conflict_do_nothing())
        else:  # pragma: no cover - other backends
            exists = conn.execute(sa.select(_sessions.c.id).where(_sessions.c.id == session_id)).first()
            if not exists:
                conn.execute(_sessions.insert().values(**values))

    def _touch(self, conn: Connection, session_id: str) -> datetime:
        now = utcnow()
        self._ensure_session(conn, session_id, now)
        conn.execute(_sessions.update().where(_sessions.c.id == session_id).values(last_seen_at=now))
        return now

    def touch_session(self, session_id: str) -> None:
        """Create the session if new and mark it as seen now (retention counts from here)."""
        session_id = check.session_id(session_id)
        with self._tx() as conn:
            self._touch(conn, session_id)

    def set_keep_wording(self, session_id: str, keep: bool) -> int:
        """Record the opt-in choice. Turning it off also erases words kept so far.

        Returns how many attempts had their kept wording erased (0 when turning on).
        """
        session_id = check.session_id(session_id)
        if not isinstance(keep, bool):
            raise ValueError("keep must be True or False")
        with self._tx() as conn:
            now = self._touch(conn, session_id)
            conn.execute(_sessions.update().where(_sessions.c.id == session_id).values(keep_wording=keep))
            conn.execute(
                _consent.insert().values(
                    session_id=session_id, choice="keep_wording_on" if keep else "keep_wording_off", at=now
                )
            )
            if keep:
                return 0
            erased = conn.execute(
                _attempts.update()
                .where(_attempts.c.session_id == session_id, _attempts.c.wording_ciphertext.isnot(None))
                .values(wording_ciphertext=None)
            )
            return int(erased.rowcount or 0)

    def confirm_adult(self, session_id: str) -> None:
        """Record that the user confirmed being 18 or older."""
        session_id = check.session_id(session_id)
        with self._tx() as conn:
            now = self._touch(conn, session_id)
            conn.execute(_sessions.update().where(_sessions.c.id == session_id).values(adult_confirmed_at=now))
            conn.execute(_consent.insert().values(session_id=session_id, choice="adult_confirmed", at=now))

    def set_region(self, session_id: str, region: Optional[str]) -> None:
        """Remember the region the user picked for local resources (e.g. "US", "GB")."""
        session_id = check.session_id(session_id)
        region = check.name(region, "region", max_len=16)
        with self._tx() as conn:
            self._touch(conn, session_id)
            conn.execute(_sessions.update().where(_sessions.c.id == session_id).values(region=region))

    def get_session(self, session_id: str) -> Optional[Dict[str, Any]]:
        session_id = check.session_id(session_id)
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(_sessions).where(_sessions.c.id == session_id)).mappings().first()
        if row is None:
            return None
        return {
            "session_id": row["id"],
            "created_at": _iso(row["created_at"]),
            "last_seen_at": _iso(row["last_seen_at"]),
            "keep_wording": bool(row["keep_wording"]),
            "adult_confirmed_at": _iso(row["adult_confirmed_at"]),
            "region": row["region"],
            "summary_shared_at": _iso(row["summary_shared_at"]),
        }

    # --- attempts -------------------------------------------------------------------

    def record_attempt(
        self, session_id: str, summary: Dict[str, Any], wording: Optional[List[str]] = None
    ) -> int:
        """Store one finished (or stopped) rehearsal; return its id.

        ``summary`` keys: kind, activity_id, persona, difficulty, started_at, ended_at,
        outcome, scores, findings, partner_pressure (unknown keys raise ValueError).
        Findings keep only code, polarity, start, end and turn. ``wording`` is stored,
        encrypted, only if the session opted in with ``set_keep_wording(sid, True)``.
        """
        session_id = check.session_id(session_id)
        data = check.summary(summary)
        words = check.wording(wording)
        with self._tx() as conn:
            now = self._touch(conn, session_id)
            keep = conn.execute(
                sa.select(_sessions.c.keep_wording).where(_sessions.c.id == session_id)
            ).scalar()
            ciphertext = None
            if keep and words:
                ciphertext = self._cipher.encrypt(json.dumps(words, ensure_ascii=False), session_id)
            result = conn.execute(
                _attempts.insert().values(
                    session_id=session_id,
                    kind=data["kind"],
                    activity_id=data["activity_id"],
                    persona=data["persona"],
                    difficulty=data["difficulty"],
                    started_at=data["started_at"] or data["ended_at"] or now,
                    ended_at=data["ended_at"] or now,
                    outcome=data["outcome"],
                    scores=data["scores"],
                    findings=data["findings"],
                    partner_pressure=data["partner_pressure"],
                    wording_ciphertext=ciphertext,
                    shared_with_therapist=False,
                )
            )
            return int(result.inserted_primary_key[0])

    def _attempt_dict(self, row: Any, include_wording: bool) -> Dict[str, Any]:
        out = {
            "id": row["id"],
            "kind": row["kind"],
            "activity_id": row["activity_id"],
            "persona": row["persona"],
            "difficulty": row["difficulty"],
            "started_at": _iso(row["started_at"]),
            "ended_at": _iso(row["ended_at"]),
            "outcome": row["outcome"],
            "scores": row["scores"] or {},
            "findings": row["findings"] or [],
            "partner_pressure": row["partner_pressure"],
            "shared_with_therapist": bool(row["shared_with_therapist"]),
            "wording_kept": row["wording_ciphertext"] is not None,
        }
        if include_wording:
            token = row["wording_ciphertext"]
            out["wording"] = json.loads(self._cipher.decrypt(token, row["session_id"])) if token else None
        return out

    def previous_attempt(
        self, session_id: str, kind: str, include_wording: bool = False
    ) -> Optional[Dict[str, Any]]:
        """The most recent attempt of this kind in the session, or None."""
        session_id = check.session_id(session_id)
        kind = check.kind(kind)
        with self.engine.connect() as conn:
            row = (
                conn.execute(
                    sa.select(_attempts)
                    .where(_attempts.c.session_id == session_id, _attempts.c.kind == kind)
                    .order_by(_attempts.c.started_at.desc(), _attempts.c.id.desc())
                    .limit(1)
                )
                .mappings()
                .first()
            )
        return self._attempt_dict(row, include_wording) if row is not None else None

    def export_session(self, session_id: str) -> Dict[str, Any]:
        """Everything kept for this session, as JSON-able data (kept wording decrypted)."""
        session_id = check.session_id(session_id)
        session = self.get_session(session_id)
        with self.engine.connect() as conn:
            attempts = (
                conn.execute(
                    sa.select(_attempts)
                    .where(_attempts.c.session_id == session_id)
                    .order_by(_attempts.c.started_at, _attempts.c.id)
                )
                .mappings()
                .all()
            )
            consent = (
                conn.execute(
                    sa.select(_consent.c.choice, _consent.c.at)
                    .where(_consent.c.session_id == session_id)
                    .order_by(_consent.c.at, _consent.c.id)
                )
                .mappings()
                .all()
            )
        return {
            "format": EXPORT_FORMAT,
            "exported_at": _iso(utcnow()),
            "session_id": session_id,
            "session": session,
            "attempts": [self._attempt_dict(row, include_wording=True) for row in attempts],
            "consent_events": [{"choice": c["choice"], "at": _iso(c["at"])} for c in consent],
        }

    # --- deletion and retention -------------------------------------------------------

    @staticmethod
    def _has_tracker_table(conn: Connection) -> bool:
        return sa.inspect(conn).has_table(tracker_events.name)

    def delete_session(self, session_id: str) -> Dict[str, int]:
        """Remove everything of this session, including its Rasa tracker events; return counts."""
        session_id = check.session_id(session_id)
        with self._tx() as conn:
            counts = {
                "attempts": conn.execute(_attempts.delete().where(_attempts.c.session_id == session_id)).rowcount,
                "consent_events": conn.execute(_consent.delete().where(_consent.c.session_id == session_id)).rowcount,
                "sessions": conn.execute(_sessions.delete().where(_sessions.c.id == session_id)).rowcount,
                "tracker_events": 0,
            }
            if self._has_tracker_table(conn):
                counts["tracker_events"] = conn.execute(
                    tracker_events.delete().where(tracker_events.c.sender_id == session_id)
                ).rowcount
            self._mark_erased(conn, session_id)
        compact_sqlite(self.engine)
        return {k: int(v or 0) for k, v in counts.items()}

    def _mark_erased(self, conn: Connection, session_id: str) -> None:
        """Leave a keyed hash so the tracker store drops events older than this moment."""
        values = dict(sender_hash=self._cipher.fingerprint(session_id), erased_at=utcnow().timestamp())
        dialect = conn.dialect.name
        if dialect in ("postgresql", "sqlite"):
            insert = (postgresql if dialect == "postgresql" else sqlite).insert(_erasures).values(**values)
            conn.execute(insert.on_conflict_do_update(
                index_elements=[_erasures.c.sender_hash], set_={"erased_at": values["erased_at"]}))
        else:  # pragma: no cover - other backends
            conn.execute(_erasures.delete().where(_erasures.c.sender_hash == values["sender_hash"]))
            conn.execute(_erasures.insert().values(**values))

    def purge_expired(self, now: Optional[datetime] = None) -> Dict[str, int]:
        """Delete what is older than the retention period; return counts.

        Sessions not seen within the period go with all their rows; older attempts of
        live sessions go too; tracker events older than the period go, whoever sent them.
        """
        now = check.timestamp(now, "now") or utcnow()
        cutoff = now - timedelta(days=self.retention_days)
        with self._tx() as conn:
            expired = sa.select(_sessions.c.id).where(_sessions.c.last_seen_at < cutoff)
            expired_ids = [r[0] for r in conn.execute(expired)]
            counts = {"sessions": 0, "attempts": 0, "consent_events": 0, "tracker_events": 0}
            has_events = self._has_tracker_table(conn)
            for chunk in _chunks(expired_ids, 500):
                counts["attempts"] += conn.execute(_attempts.delete().where(_attempts.c.session_id.in_(chunk))).rowcount or 0
                counts["consent_events"] += conn.execute(_consent.delete().where(_consent.c.session_id.in_(chunk))).rowcount or 0
                counts["sessions"] += conn.execute(_sessions.delete().where(_sessions.c.id.in_(chunk))).rowcount or 0
                if has_events:
                    counts["tracker_events"] += conn.execute(
                        tracker_events.delete().where(tracker_events.c.sender_id.in_(chunk))
                    ).rowcount or 0
            counts["attempts"] += conn.execute(_attempts.delete().where(_attempts.c.started_at < cutoff)).rowcount or 0
            conn.execute(_erasures.delete().where(_erasures.c.erased_at < cutoff.timestamp()))
            if has_events:
                counts["tracker_events"] += conn.execute(
                    tracker_events.delete().where(tracker_events.c.timestamp < cutoff.timestamp())
                ).rowcount or 0
        compact_sqlite(self.engine)
        return {k: int(v) for k, v in counts.items()}


def _chunks(items: List[str], size: int) -> Iterator[List[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]

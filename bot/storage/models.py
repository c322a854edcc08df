"""The project's own tables (the schema at the newest migration).

Only what progress needs is kept: codes, offsets, scores and choices. The user's words
appear only in ``attempts.wording_ciphertext``, encrypted, and only after opt-in.
Rasa's ``events`` table is not declared here: the tracker store owns it.
"""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()

ID_LENGTH = 255  # same as Rasa's events.sender_id


class UTCDateTime(sa.types.TypeDecorator):
    """Stores naive UTC, returns aware UTC, on every backend alike."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Session(Base):
    __tablename__ = "sessions"

    id = sa.Column(sa.String(ID_LENGTH), primary_key=True)
    created_at = sa.Column(UTCDateTime(), nullable=False)
    last_seen_at = sa.Column(UTCDateTime(), nullable=False, index=True)
    keep_wording = sa.Column(sa.Boolean(), nullable=False, default=False)
    adult_confirmed_at = sa.Column(UTCDateTime(), nullable=True)
    region = sa.Column(sa.String(16), nullable=True)
    # migration 0002: when the user last chose to share a summary with a therapist
    summary_shared_at = sa.Column(UTCDateTime(), nullable=True)

    attempts = relationship("Attempt", cascade="all, delete-orphan", passive_deletes=True)
    consent_events = relationship(
        "ConsentEvent", cascade="all, delete-orphan", passive_deletes=True
    )


def _owning_session() -> sa.Column:
    """The session a row belongs to; deleting the session deletes the row."""
    return sa.Column(
        sa.String(ID_LENGTH),
        sa.ForeignKey("sessions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )


class Attempt(Base):
    __tablename__ = "attempts"

    id = sa.Column(sa.Integer(), primary_key=True, autoincrement=True)
    session_id = _owning_session()
    kind = sa.Column(sa.String(32), nullable=False)
    activity_id = sa.Column(sa.String(64), nullable=True)
    persona = sa.Column(sa.String(64), nullable=True)
    difficulty = sa.Column(sa.String(32), nullable=True)
    started_at = sa.Column(UTCDateTime(), nullable=False, index=True)
    ended_at = sa.Column(UTCDateTime(), nullable=True)
    outcome = sa.Column(sa.String(64), nullable=True)
    scores = sa.Column(sa.JSON(), nullable=False)
    findings = sa.Column(sa.JSON(), nullable=False)
    partner_pressure = sa.Column(sa.JSON(), nullable=True)
    wording_ciphertext = sa.Column(sa.Text(), nullable=True)
    # migration 0002: included in the summary the user shares with a therapist
    shared_with_therapist = sa.Column(sa.Boolean(), nullable=False, default=False)


class ConsentEvent(Base):
    __tablename__ = "consent_events"

    id = sa.Column(sa.Integer(), primary_key=True, autoincrement=True)
    session_id = _owning_session()
    choice = sa.Column(sa.String(64), nullable=False)
    at = sa.Column(UTCDateTime(), nullable=False)


class Erasure(Base):
    """Migration 0003: a deleted session's keyed hash, so Rasa cannot write it back."""

    __tablename__ = "erasures"

    sender_hash = sa.Column(sa.String(64), primary_key=True)
    erased_at = sa.Column(sa.Float(), nullable=False)  # epoch seconds, like Rasa's timestamps


# Rasa's tracker table, described (not owned) so deletion and purge can reach it
# without importing Rasa. Columns match rasa.core.tracker_store.SQLTrackerStore.SQLEvent.
tracker_events = sa.Table(
    "events",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)

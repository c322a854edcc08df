"""First schema: sessions, attempts, consent_events.

Revision ID: 0001_initial
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("keep_wording", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("adult_confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("region", sa.String(16), nullable=True),
    )
    op.create_index("ix_sessions_last_seen_at", "sessions", ["last_seen_at"])
    op.create_table(
        "attempts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "session_id",
            sa.String(255),
            sa.ForeignKey("sessions.id", ondelete="CASCADE", name="fk_attempts_session"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("activity_id", sa.String(64), nullable=True),
        sa.Column("persona", sa.String(64), nullable=True),
        sa.Column("difficulty", sa.String(32), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.String(64), nullable=True),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("partner_pressure", sa.JSON(), nullable=True),
        sa.Column("wording_ciphertext", sa.Text(), nullable=True),
    )
    op.create_index("ix_attempts_session_id", "attempts", ["session_id"])
    op.create_index("ix_attempts_started_at", "attempts", ["started_at"])
    op.create_table(
        "consent_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "session_id",
            sa.String(255),
            sa.ForeignKey("sessions.id", ondelete="CASCADE", name="fk_consent_session"),
            nullable=False,
        ),
        sa.Column("choice", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_consent_events_session_id", "consent_events", ["session_id"])


def downgrade() -> None:
    op.drop_table("consent_events")
    op.drop_table("attempts")
    op.drop_table("sessions")

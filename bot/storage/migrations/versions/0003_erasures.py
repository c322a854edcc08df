"""Erasure markers: a keyed hash of a deleted session id and when it was deleted.

Rasa saves the tracker it holds in memory after the action that deleted the data; the
tracker store skips events older than the marker so the deleted conversation is not
written back. The marker holds no id or text (HMAC with the data key) and is purged
with everything else after the retention period.

Revision ID: 0003_erasures
Revises: 0002_therapist_sharing
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_erasures"
down_revision = "0002_therapist_sharing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erasures",
        sa.Column("sender_hash", sa.String(64), primary_key=True),
        sa.Column("erased_at", sa.Float(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("erasures")

"""Therapist sharing: which attempts go into a shared summary, and when it was shared.

Existing attempts are not shared (server default false); existing sessions have never
shared a summary (NULL).

Revision ID: 0002_therapist_sharing
Revises: 0001_initial
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_therapist_sharing"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attempts") as batch:
        batch.add_column(
            sa.Column(
                "shared_with_therapist",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("summary_shared_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("summary_shared_at")
    with op.batch_alter_table("attempts") as batch:
        batch.drop_column("shared_with_therapist")

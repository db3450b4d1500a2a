"""webhook inbox: updates stored before Telegram gets its 200, taken over after a replica dies

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tf_webhook_updates",
        sa.Column("bot_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("bot_id", "update_id", name=op.f("pk_tf_webhook_updates")),
    )
    with op.batch_alter_table("tf_webhook_updates", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tf_webhook_updates_status_lease_until", ["status", "lease_until"], unique=False
        )
        batch_op.create_index("ix_tf_webhook_updates_received_at", ["received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tf_webhook_updates", schema=None) as batch_op:
        batch_op.drop_index("ix_tf_webhook_updates_received_at")
        batch_op.drop_index("ix_tf_webhook_updates_status_lease_until")
    op.drop_table("tf_webhook_updates")

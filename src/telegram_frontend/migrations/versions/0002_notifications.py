"""notifications: outbox, settings, routes, worker state, alert rules

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tf_notification_routes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tf_notification_routes")),
        sa.UniqueConstraint("type", "chat_id", name="uq_tf_notification_routes_type_chat_id"),
    )
    op.create_table(
        "tf_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_thread_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("disable_notification", sa.Boolean(), nullable=False),
        sa.Column("reply_markup", sa.JSON(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("thread_key", sa.String(length=128), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tf_outbox")),
        sa.UniqueConstraint("dedupe_key", "chat_id", name="uq_tf_outbox_dedupe_key_chat_id"),
    )
    with op.batch_alter_table("tf_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_tf_outbox_chat_id_status", ["chat_id", "status"], unique=False)
        batch_op.create_index(
            "ix_tf_outbox_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_tf_outbox_thread_key"), ["thread_key"], unique=False)

    op.create_table(
        "tf_worker_state",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_tf_worker_state")),
    )
    op.create_table(
        "tf_alert_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("threshold", sa.String(length=40), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("armed", sa.Boolean(), nullable=False),
        sa.Column("fired_count", sa.Integer(), nullable=False),
        sa.Column("last_fired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["tf_users.id"],
            name=op.f("fk_tf_alert_rules_user_id_tf_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tf_alert_rules")),
    )
    with op.batch_alter_table("tf_alert_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tf_alert_rules_user_id"), ["user_id"], unique=False)

    op.create_table(
        "tf_notification_settings",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("trades", sa.String(length=8), nullable=True),
        sa.Column("system", sa.String(length=8), nullable=True),
        sa.Column("risk", sa.String(length=8), nullable=True),
        sa.Column("performance", sa.String(length=8), nullable=True),
        sa.Column("digests", sa.String(length=8), nullable=True),
        sa.Column("quiet_start", sa.String(length=5), nullable=True),
        sa.Column("quiet_end", sa.String(length=5), nullable=True),
        sa.Column("digest_daily", sa.Boolean(), nullable=False),
        sa.Column("digest_weekly", sa.Boolean(), nullable=False),
        sa.Column("digest_time", sa.String(length=5), nullable=False),
        sa.Column("digest_weekday", sa.Integer(), nullable=False),
        sa.Column("last_daily_period", sa.String(length=16), nullable=True),
        sa.Column("last_weekly_period", sa.String(length=16), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["tf_users.id"],
            name=op.f("fk_tf_notification_settings_user_id_tf_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_tf_notification_settings")),
    )


def downgrade() -> None:
    op.drop_table("tf_notification_settings")
    with op.batch_alter_table("tf_alert_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tf_alert_rules_user_id"))

    op.drop_table("tf_alert_rules")
    op.drop_table("tf_worker_state")
    with op.batch_alter_table("tf_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tf_outbox_thread_key"))
        batch_op.drop_index("ix_tf_outbox_status_next_attempt_at")
        batch_op.drop_index("ix_tf_outbox_chat_id_status")

    op.drop_table("tf_outbox")
    op.drop_table("tf_notification_routes")

"""initial tables

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "tf_api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=128), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tf_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_tf_api_keys_key_hash")),
    )
    with op.batch_alter_table("tf_api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tf_api_keys_prefix"), ["prefix"], unique=False)

    op.create_table(
        "tf_audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=256), nullable=False),
        sa.Column("result", sa.String(length=32), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tf_audit_log")),
    )
    with op.batch_alter_table("tf_audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tf_audit_log_actor"), ["actor"], unique=False)
        batch_op.create_index(batch_op.f("ix_tf_audit_log_at"), ["at"], unique=False)

    op.create_table(
        "tf_configuration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("changed_by", sa.String(length=128), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tf_configuration")),
        sa.UniqueConstraint("key", "version", name="uq_tf_configuration_key_version"),
    )
    with op.batch_alter_table("tf_configuration", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tf_configuration_key"), ["key"], unique=False)

    op.create_table(
        "tf_log_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("logger", sa.String(length=128), nullable=False),
        sa.Column("event", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tf_log_records")),
    )
    with op.batch_alter_table("tf_log_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tf_log_records_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_tf_log_records_level"), ["level"], unique=False)

    op.create_table(
        "tf_trading_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("strategy_id", sa.String(length=128), nullable=False),
        sa.Column("strategy_kind", sa.String(length=16), nullable=False),
        sa.Column("started_by", sa.String(length=128), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stopped_by", sa.String(length=128), nullable=True),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("risk_limits", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tf_trading_sessions")),
    )
    with op.batch_alter_table("tf_trading_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tf_trading_sessions_strategy_id"), ["strategy_id"], unique=False
        )

    op.create_table(
        "tf_users",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("full_name", sa.String(length=256), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("chart_theme", sa.String(length=8), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("totp_secret_enc", sa.Text(), nullable=True),
        sa.Column("binance_api_key_enc", sa.Text(), nullable=True),
        sa.Column("binance_api_secret_enc", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tf_users")),
    )
    with op.batch_alter_table("tf_users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tf_users_role"), ["role"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("tf_users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tf_users_role"))

    op.drop_table("tf_users")
    with op.batch_alter_table("tf_trading_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tf_trading_sessions_strategy_id"))

    op.drop_table("tf_trading_sessions")
    with op.batch_alter_table("tf_log_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tf_log_records_level"))
        batch_op.drop_index(batch_op.f("ix_tf_log_records_at"))

    op.drop_table("tf_log_records")
    with op.batch_alter_table("tf_configuration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tf_configuration_key"))

    op.drop_table("tf_configuration")
    with op.batch_alter_table("tf_audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tf_audit_log_at"))
        batch_op.drop_index(batch_op.f("ix_tf_audit_log_actor"))

    op.drop_table("tf_audit_log")
    with op.batch_alter_table("tf_api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tf_api_keys_prefix"))

    op.drop_table("tf_api_keys")

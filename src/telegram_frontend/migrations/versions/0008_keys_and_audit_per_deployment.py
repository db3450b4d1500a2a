"""users' Binance keys per deployment; the deployment of each audit row

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08

A user's own keys were one pair on `tf_users`, used on every deployment: testnet keys were sent to
mainnet's Binance. They now live in `tf_user_binance_keys`, one pair per (user, deployment).

Where the existing pairs go: under the name `default`. They were proven against the Binance of
the single-deployment configuration (`BINANCE_*`), and without `DEPLOYMENTS_FILE` that
configuration is the deployment named `default`, so for a bot with one deployment nothing changes:
the same keys act on the same account. A deployments file that names its deployments otherwise
(`testnet`, `mainnet`) does not inherit `BINANCE_*` (each table sets its own Binance), so nothing
says which of them, if any, is the Binance those keys were proven on; taking the file's first or
default deployment would send testnet keys to mainnet when mainnet comes first, the very mistake
this migration removes. So a pair is only ever used by the deployment of the name it is stored
under: the operator keeps the old keys working by calling that deployment `default` in the file,
otherwise each user adds their keys again on each deployment (after Binance accepts them there).

The columns leave `tf_users` with a plain `ALTER TABLE ... DROP COLUMN` (SQLite 3.35+ has it):
a batch copy of `tf_users` on SQLite would drop and recreate the table, and with foreign keys on,
that cascades into every row that refers to a user (alert rules, notification settings).
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

LEGACY_DEPLOYMENT = "default"

users = sa.table(
    "tf_users",
    sa.column("id", sa.BigInteger()),
    sa.column("binance_api_key_enc", sa.Text()),
    sa.column("binance_api_secret_enc", sa.Text()),
)
keys = sa.table(
    "tf_user_binance_keys",
    sa.column("user_id", sa.BigInteger()),
    sa.column("deployment", sa.String(24)),
    sa.column("api_key_enc", sa.Text()),
    sa.column("api_secret_enc", sa.Text()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)


def _now() -> datetime:
    """UTC now, naive on SQLite (as the models' `UTCDateTime` stores it)."""
    now = datetime.now(UTC)
    return now.replace(tzinfo=None) if op.get_bind().dialect.name == "sqlite" else now


def upgrade() -> None:
    op.create_table(
        "tf_user_binance_keys",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("deployment", sa.String(length=24), nullable=False),
        sa.Column("api_key_enc", sa.Text(), nullable=False),
        sa.Column("api_secret_enc", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["tf_users.id"],
            name=op.f("fk_tf_user_binance_keys_user_id_tf_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "deployment", name=op.f("pk_tf_user_binance_keys")),
    )
    bind = op.get_bind()
    pairs = bind.execute(
        sa.select(users.c.id, users.c.binance_api_key_enc, users.c.binance_api_secret_enc).where(
            users.c.binance_api_key_enc.is_not(None), users.c.binance_api_secret_enc.is_not(None)
        )
    ).all()
    now = _now()
    if pairs:
        op.bulk_insert(
            keys,
            [
                {
                    "user_id": user_id,
                    "deployment": LEGACY_DEPLOYMENT,
                    "api_key_enc": key,
                    "api_secret_enc": secret,
                    "created_at": now,
                    "updated_at": now,
                }
                for user_id, key, secret in pairs
            ],
        )
    op.drop_column("tf_users", "binance_api_secret_enc")
    op.drop_column("tf_users", "binance_api_key_enc")
    with op.batch_alter_table("tf_audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deployment", sa.String(length=24), nullable=True))


def downgrade() -> None:
    """Back to one pair per user: the `default` deployment's (other deployments' are lost)."""
    op.drop_column("tf_audit_log", "deployment")
    op.add_column("tf_users", sa.Column("binance_api_key_enc", sa.Text(), nullable=True))
    op.add_column("tf_users", sa.Column("binance_api_secret_enc", sa.Text(), nullable=True))
    bind = op.get_bind()
    pairs = bind.execute(
        sa.select(keys.c.user_id, keys.c.api_key_enc, keys.c.api_secret_enc).where(
            keys.c.deployment == LEGACY_DEPLOYMENT
        )
    ).all()
    for user_id, key, secret in pairs:
        bind.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(binance_api_key_enc=key, binance_api_secret_enc=secret)
        )
    op.drop_table("tf_user_binance_keys")

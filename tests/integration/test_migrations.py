"""Our migrations: up, down, up again on both databases; models and scripts agree; only tf_."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from pydantic import SecretStr
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from telegram_frontend.clients.binance.client import BinanceClientFactory
from telegram_frontend.core import migrator
from telegram_frontend.core.caching.cache import MemoryCache
from telegram_frontend.core.crypto import SecretBox
from telegram_frontend.core.database import Database
from telegram_frontend.core.migrator import include_name
from telegram_frontend.core.settings import Settings
from telegram_frontend.models import Base
from telegram_frontend.services.account.credentials import CredentialsService
from telegram_frontend.services.admin.audit import AuditService
from telegram_frontend.services.admin.system_config import ConfigService
from tests.conftest import Backend


async def _tables(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def test_upgrade_downgrade_upgrade(backend: Backend) -> None:
    db = Database(backend.database_url)
    try:
        await migrator.upgrade(db)
        assert await migrator.is_at_head(db)
        created = await _tables(db)
        assert {"tf_users", "tf_audit_log", "tf_configuration", "tf_trading_sessions"} <= created
        await migrator.downgrade(db, "base")
        assert await migrator.current_revision(db) is None
        assert await _tables(db) <= {"tf_alembic_version"}
        await migrator.upgrade(db)
        assert await migrator.current_revision(db) == migrator.head_revision()
    finally:
        await db.dispose()


def test_head_revision_constant_matches_the_scripts() -> None:
    """Start-up trusts `HEAD_REVISION` to skip Alembic; a new script must move it too."""
    assert migrator.script_head() == migrator.HEAD_REVISION


async def test_upgrade_at_head_leaves_alembic_unloaded(database: Database) -> None:
    """The fast path of every restart: one query, no Alembic (tested in a fresh interpreter)."""
    code = (
        "import asyncio, sys\n"
        "from telegram_frontend.core import migrator\n"
        "from telegram_frontend.core.database import Database\n"
        "async def main():\n"
        f"    db = Database({database.url!r})\n"
        "    await migrator.upgrade(db)\n"
        "    assert await migrator.is_at_head(db)\n"
        "    await db.dispose()\n"
        "asyncio.run(main())\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))\n"
    )
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.strip() == "[]"


async def test_models_and_migrations_agree(database: Database) -> None:
    def diff(conn: Connection) -> list[Any]:
        ctx = MigrationContext.configure(
            conn,
            opts={"compare_type": True, "include_name": include_name},
        )
        return list(compare_metadata(ctx, Base.metadata))

    async with database.engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []


async def test_migrations_create_only_prefixed_tables_and_leave_trading_tables(
    backend: Backend,
) -> None:
    db = Database(backend.database_url)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text("CREATE TABLE orders (id INTEGER PRIMARY KEY, symbol TEXT)"))
            await conn.execute(text("INSERT INTO orders (id, symbol) VALUES (1, 'BTCUSDT')"))
        before = await _tables(db)
        await migrator.upgrade(db)
        added = await _tables(db) - before
        assert added, "the migrations created nothing"
        assert all(name.startswith("tf_") for name in added), added
        await migrator.downgrade(db, "base")
        async with db.engine.connect() as conn:
            rows = (await conn.execute(text("SELECT id, symbol FROM orders"))).all()
        assert [tuple(r) for r in rows] == [(1, "BTCUSDT")]
    finally:
        await db.dispose()


OLD_USER = (
    "INSERT INTO tf_users (id, username, full_name, role, language, timezone, chart_theme, "
    "is_active, binance_api_key_enc, binance_api_secret_enc, created_at, updated_at) VALUES "
    "(:id, 'u', 'U', 'trader', 'en', 'UTC', 'light', true, :key, :secret, "
    "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"
)
OLD_RULE = (
    "INSERT INTO tf_alert_rules (uid, user_id, kind, target, active, armed, fired_count, "
    "created_at) VALUES ('rule-1', 501, 'price_above', 'BTCUSDT', true, true, 0, "
    "'2026-01-01 00:00:00')"
)


async def test_0008_moves_existing_keys_under_default_and_they_keep_working(
    backend: Backend,
) -> None:
    """A user's one pair of 0007 is the `default` deployment's after 0008: the bot with one
    deployment opens the same keys; a deployment of another name sees none; nothing that refers
    to a user (an alert rule) is lost when the columns leave tf_users; down and up again keep it."""
    secret_key = "migration-test-secret-key-0123456789"
    box = SecretBox(secret_key)
    sealed_key, sealed_secret = box.encrypt("K" * 64), box.encrypt("S" * 64)
    db = Database(backend.database_url)
    cache = MemoryCache()
    try:
        await migrator.upgrade(db, "0007")
        async with db.engine.begin() as conn:
            await conn.execute(
                text(OLD_USER), {"id": 501, "key": sealed_key, "secret": sealed_secret}
            )
            await conn.execute(text(OLD_USER), {"id": 502, "key": None, "secret": None})
            await conn.execute(text(OLD_RULE))
        await migrator.upgrade(db)

        async with db.engine.connect() as conn:
            moved = (
                await conn.execute(
                    text(
                        "SELECT user_id, deployment, api_key_enc, api_secret_enc "
                        "FROM tf_user_binance_keys"
                    )
                )
            ).all()
            users_columns = await conn.run_sync(
                lambda c: {col["name"] for col in inspect(c).get_columns("tf_users")}
            )
            rules = (await conn.execute(text("SELECT user_id FROM tf_alert_rules"))).all()
        assert [tuple(r) for r in moved] == [(501, "default", sealed_key, sealed_secret)]
        assert not {"binance_api_key_enc", "binance_api_secret_enc"} & users_columns
        assert [tuple(r) for r in rules] == [(501,)]

        def service(deployment: str) -> CredentialsService:
            audit = AuditService(db)
            return CredentialsService(
                db,
                cache,
                audit,
                ConfigService(db, audit),
                BinanceClientFactory(Settings(_env_file=None)),  # type: ignore[call-arg]
                SecretStr(secret_key),
                deployment=deployment,
            )

        pair = await service("default").binance_credentials(501)
        assert pair is not None
        assert (pair.api_key.get_secret_value(), pair.api_secret.get_secret_value()) == (
            "K" * 64,
            "S" * 64,
        )
        assert (await service("default").status(501)).key_hint == "…KKKK"
        assert await service("default").binance_credentials(502) is None
        assert await service("testnet").binance_credentials(501) is None

        await migrator.downgrade(db, "0007")
        async with db.engine.connect() as conn:
            back = (
                await conn.execute(text("SELECT id, binance_api_key_enc FROM tf_users ORDER BY id"))
            ).all()
        assert [tuple(r) for r in back] == [(501, sealed_key), (502, None)]
        await migrator.upgrade(db)
        assert await service("default").binance_credentials(501) is not None
    finally:
        await db.dispose()

"""Our migrations: up, down, up again on both databases; models and scripts agree; only tf_."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from telegram_frontend.core import migrator
from telegram_frontend.core.database import Database
from telegram_frontend.core.migrator import include_name
from telegram_frontend.models import Base
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

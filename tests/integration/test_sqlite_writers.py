"""The embedded SQLite database queues writers instead of failing them: a burst of writes (a /start
flood on a loaded machine) once waited past the 5 s busy timeout and lost a registration."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from telegram_frontend.core.database import SQLITE_BUSY_TIMEOUT_S, Database


async def test_every_connection_waits_long_for_the_write_lock(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'busy.db'}")
    try:
        async with database.engine.connect() as conn:
            waited_ms = (await conn.execute(text("PRAGMA busy_timeout"))).scalar_one()
        assert waited_ms == SQLITE_BUSY_TIMEOUT_S * 1000 >= 30_000
    finally:
        await database.dispose()


async def test_a_writer_waits_while_another_holds_the_lock(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'busy.db'}")
    try:
        async with database.session() as session:
            await session.execute(text("CREATE TABLE t (n INTEGER)"))
        holding = asyncio.Event()

        async def hold_the_lock() -> None:
            async with database.session() as session:
                await session.execute(text("INSERT INTO t VALUES (1)"))
                holding.set()
                await asyncio.sleep(1.0)

        holder = asyncio.create_task(hold_the_lock())
        await holding.wait()
        async with database.session() as session:
            await session.execute(text("INSERT INTO t VALUES (2)"))
        await holder
        async with database.engine.connect() as conn:
            rows = (await conn.execute(text("SELECT n FROM t ORDER BY n"))).scalars().all()
        assert rows == [1, 2]
    finally:
        await database.dispose()

"""Pollers that must run once however many replicas run: the one holding a PostgreSQL advisory
lock runs them, the others wait and take over when it goes.

The lock is a session lock on a connection held for as long as the worker runs; when that
replica dies or loses the database, PostgreSQL frees the lock and another replica's next try
gets it. On SQLite (one process by design) every worker simply runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import zlib

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from telegram_frontend.core.database import Database
from telegram_frontend.core.logging import get_logger
from telegram_frontend.workers.base import Worker

log = get_logger(__name__)

LOCK_NAMESPACE = 0x7F18  # the first key of the two-key advisory lock: "telegram-frontend"
RETRY_SECONDS = 5.0


def lock_key(name: str) -> int:
    """A stable 32-bit key per worker name (the second key of the advisory lock)."""
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


class LeaderOnly:
    """Runs `worker` only while this process holds the worker's advisory lock."""

    def __init__(self, db: Database, worker: Worker, retry_seconds: float = RETRY_SECONDS) -> None:
        self.db = db
        self.worker = worker
        self.name = worker.name
        self.retry_seconds = retry_seconds
        self.leading = False

    async def run(self) -> None:
        if not self.db.is_postgres:
            await self.worker.run()
            return
        while True:
            try:
                await self._lead_while_locked()
            except (SQLAlchemyError, OSError) as exc:
                log.warning("leader_lock_lost", worker=self.name, error=type(exc).__name__)
            self.leading = False
            await asyncio.sleep(self.retry_seconds)

    async def _lead_while_locked(self) -> None:
        key = lock_key(self.name)
        async with self.db.engine.connect() as conn:
            got = await conn.scalar(
                text("SELECT pg_try_advisory_lock(:ns, :key)"), {"ns": LOCK_NAMESPACE, "key": key}
            )
            await conn.commit()
            if not got:
                return
            self.leading = True
            log.info("leader_elected", worker=self.name)
            task = asyncio.create_task(self.worker.run(), name=f"{self.name}-leader")
            try:
                while not task.done():  # the lock lives as long as this connection answers
                    await asyncio.wait({task}, timeout=self.retry_seconds)
                    await conn.execute(text("SELECT 1"))
                    await conn.commit()
                task.result()
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
                with contextlib.suppress(SQLAlchemyError, OSError):
                    await conn.execute(
                        text("SELECT pg_advisory_unlock(:ns, :key)"),
                        {"ns": LOCK_NAMESPACE, "key": key},
                    )
                    await conn.commit()

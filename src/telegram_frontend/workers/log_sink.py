"""Moves captured log records into our database every few seconds, for `/logs`."""

from __future__ import annotations

import asyncio

from telegram_frontend.core.logging import LOG_BUFFER, RecentLogBuffer
from telegram_frontend.services.admin.logs import LogService


class LogSinkWorker:
    """Drains the in-memory buffer in batches; a failed write keeps nothing half-done."""

    name = "log_sink"

    def __init__(
        self, logs: LogService, buffer: RecentLogBuffer = LOG_BUFFER, interval: float = 2.0
    ) -> None:
        self._logs = logs
        self._buffer = buffer
        self._interval = interval

    async def flush(self) -> int:
        batch = self._buffer.drain()
        await self._logs.store(batch)
        return len(batch)

    async def run(self) -> None:
        try:
            while True:
                await asyncio.sleep(self._interval)
                await self.flush()
        finally:
            await asyncio.shield(self.flush())

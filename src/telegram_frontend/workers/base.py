"""What every background worker is, and the one periodic loop they share.

A round that fails with one of our own errors is logged and retried after a growing pause (never
fatal: a backend being down must not stop the worker); anything else is a bug and propagates so
the runtime sees it.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from datetime import UTC, datetime
from typing import Protocol

from telegram_frontend.core.errors import FrontendError
from telegram_frontend.core.logging import get_logger

log = get_logger(__name__)

MAX_BACKOFF_FACTOR = 16


class Worker(Protocol):
    """A long-running background task with a clean start and stop (cancelled to stop)."""

    name: str

    async def run(self) -> None: ...


class PeriodicWorker(ABC):
    """Runs `check_once` every `interval` seconds; after failures the pause doubles, up to 16×."""

    name: str
    interval: float

    consecutive_failures: int = 0
    last_success_at: datetime | None = None

    @abstractmethod
    async def check_once(self) -> object:
        """One round of work; raise a `FrontendError` when a source cannot be read."""

    def next_pause(self) -> float:
        """The pause before the next round: the interval, or longer after failed rounds."""
        if self.consecutive_failures == 0:
            return self.interval
        return self.interval * min(2 ** (self.consecutive_failures - 1), MAX_BACKOFF_FACTOR)

    async def run(self) -> None:
        while True:
            try:
                await self.check_once()
            except FrontendError as exc:
                self.consecutive_failures += 1
                log.warning(
                    "worker_round_failed",
                    worker=self.name,
                    error=exc.user_message,
                    failures=self.consecutive_failures,
                )
            else:
                self.consecutive_failures = 0
                self.last_success_at = datetime.now(UTC)
            await asyncio.sleep(self.next_pause())

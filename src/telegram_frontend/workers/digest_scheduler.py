"""Sends the digests that fell due, once a minute (see `DigestService` for what "due" means)."""

from __future__ import annotations

import asyncio

from telegram_frontend.core.errors import FrontendError
from telegram_frontend.core.logging import get_logger
from telegram_frontend.services.notifications.digests import DigestService

log = get_logger(__name__)


class DigestScheduler:
    name = "digests"

    def __init__(self, digests: DigestService, interval_seconds: float = 60.0) -> None:
        self._digests = digests
        self.interval = interval_seconds

    async def run(self) -> None:
        while True:
            try:
                await self._digests.send_due()
            except FrontendError as exc:
                log.warning("digests_failed", error=exc.user_message)
            await asyncio.sleep(self.interval)

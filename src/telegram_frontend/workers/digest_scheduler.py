"""Sends the digests that fell due, once a minute (see `DigestService` for what "due" means)."""

from __future__ import annotations

from telegram_frontend.core.deployments import DEFAULT_NAME
from telegram_frontend.core.logging import get_logger
from telegram_frontend.services.notifications.digests import DigestService
from telegram_frontend.services.notifications.worker_state import scoped_key
from telegram_frontend.workers.base import PeriodicWorker

log = get_logger(__name__)


class DigestScheduler(PeriodicWorker):
    name = "digests"

    def __init__(
        self,
        digests: DigestService,
        interval_seconds: float = 60.0,
        *,
        deployment: str = DEFAULT_NAME,
    ) -> None:
        self._digests = digests
        self.interval = interval_seconds
        self.name = scoped_key(DigestScheduler.name, deployment)

    async def check_once(self) -> int:
        return await self._digests.send_due()

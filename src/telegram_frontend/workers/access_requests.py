"""Announces new access requests to the admins every few seconds and expires old ones."""

from __future__ import annotations

import asyncio

from telegram_frontend.core.errors import FrontendError
from telegram_frontend.core.logging import get_logger
from telegram_frontend.services.admin.access_requests import AccessRequests

log = get_logger(__name__)

EXPIRE_EVERY_S = 3600.0


class AccessRequestNotifier:
    name = "access-requests"

    def __init__(self, requests: AccessRequests, interval_seconds: float = 3.0) -> None:
        self._requests = requests
        self.interval = interval_seconds

    async def run(self) -> None:
        since_expiry = EXPIRE_EVERY_S
        while True:
            try:
                while await self._requests.announce():
                    pass
                if since_expiry >= EXPIRE_EVERY_S:
                    since_expiry = 0.0
                    await self._requests.expire()
            except FrontendError as exc:
                log.warning("access_requests_failed", error=exc.user_message)
            await asyncio.sleep(self.interval)
            since_expiry += self.interval

"""Announces new access requests to the admins every few seconds and expires old ones hourly."""

from __future__ import annotations

import time

from telegram_frontend.services.admin.access_requests import AccessRequests
from telegram_frontend.workers.base import PeriodicWorker

EXPIRE_EVERY_S = 3600.0


class AccessRequestNotifier(PeriodicWorker):
    name = "access-requests"

    def __init__(self, requests: AccessRequests, interval_seconds: float = 3.0) -> None:
        self._requests = requests
        self.interval = interval_seconds
        self._expired_at = 0.0

    async def check_once(self) -> int:
        announced = 0
        while batch := await self._requests.announce():
            announced += batch
        if time.monotonic() - self._expired_at >= EXPIRE_EVERY_S:
            self._expired_at = time.monotonic()
            await self._requests.expire()
        return announced

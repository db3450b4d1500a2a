"""The dead-man's switch: "the trading system looks stopped" when no data arrives any more.

A process cannot report its own death; this watches its traces instead: the newest portfolio
snapshot in the trading database and the newest kline event seen by the ingest or the storage.
When neither moved for `stale_seconds`, users are told once; when data flows again, once more.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from telegram_frontend.clients.trading_db.reader import TradingDatabase
from telegram_frontend.core.database import Database
from telegram_frontend.core.deployments import DEFAULT_NAME
from telegram_frontend.core.logging import get_logger
from telegram_frontend.models.base import utcnow
from telegram_frontend.services.monitoring.service import MonitoringService
from telegram_frontend.services.notifications.service import NotificationService
from telegram_frontend.services.notifications.texts import heartbeat_notice
from telegram_frontend.services.notifications.worker_state import (
    load_state,
    save_state,
    scoped_key,
)
from telegram_frontend.workers.base import PeriodicWorker

log = get_logger(__name__)

STATE_KEY = "heartbeat"


class HeartbeatWatcher(PeriodicWorker):
    name = "heartbeat"

    def __init__(
        self,
        db: Database,
        notifications: NotificationService,
        *,
        trading_db: TradingDatabase | None,
        monitoring: MonitoringService | None,
        stale_seconds: float,
        interval_seconds: float = 30.0,
        clock: Callable[[], datetime] = utcnow,
        deployment: str = DEFAULT_NAME,
    ) -> None:
        self._db = db
        self._notifications = notifications
        self._trading_db = trading_db
        self._monitoring = monitoring
        self.stale_seconds = stale_seconds
        self.interval = interval_seconds
        self._clock = clock
        self.name = scoped_key(HeartbeatWatcher.name, deployment)
        self.state_key = scoped_key(STATE_KEY, deployment)

    async def last_activity(self) -> datetime | None:
        """The newest trace of life we can see, or None when no source tells anything."""
        moments: list[datetime] = []
        if self._trading_db is not None:
            snapshots = await self._trading_db.latest_snapshots()
            moments += [s.snapshot_time for s in snapshots if s.snapshot_time is not None]
        if self._monitoring is not None:
            freshness = (await self._monitoring.snapshot()).freshness
            if freshness.last_event_at is not None:
                moments.append(freshness.last_event_at)
        return max(moments) if moments else None

    async def check_once(self) -> int:
        last = await self.last_activity()
        if last is None:
            return 0
        stale = (self._clock() - last).total_seconds() > self.stale_seconds
        async with self._db.session() as session:
            state = await load_state(session, self.state_key)
            if stale == bool(state.get("stopped")):
                return 0
            sequence = int(state.get("seq", 0)) + 1
            key = f"heartbeat:{'stopped' if stale else 'back'}:{sequence}"
            await self._notifications.notify(heartbeat_notice(key, stale, last), session=session)
            await save_state(session, self.state_key, {"stopped": stale, "seq": sequence})
        return 1

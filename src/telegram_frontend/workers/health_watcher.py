"""Service state changes → notifications: a service DOWN, and back UP, each said once.

Flap suppression: a new state must be seen on `flap_polls` consecutive polls before it is
announced, so a single slow answer does not page anyone. What was last announced is kept in our
database; a restart does not announce again what users already know. Services never announced
count as UP, so a service found down at the first start is reported, one found up is not.
"""

from __future__ import annotations

from typing import Any

from telegram_frontend.core.database import Database
from telegram_frontend.core.deployments import DEFAULT_NAME
from telegram_frontend.core.logging import get_logger
from telegram_frontend.services.monitoring.service import (
    MonitoringService,
    ServiceState,
    SystemSnapshot,
)
from telegram_frontend.services.notifications.service import NotificationService
from telegram_frontend.services.notifications.texts import service_notice
from telegram_frontend.services.notifications.worker_state import (
    load_state,
    save_state,
    scoped_key,
)
from telegram_frontend.workers.base import PeriodicWorker

log = get_logger(__name__)

STATE_KEY = "health_watcher"
UP, DOWN = "up", "down"


class HealthWatcher(PeriodicWorker):
    name = "health_watcher"

    def __init__(
        self,
        db: Database,
        monitoring: MonitoringService,
        notifications: NotificationService,
        interval_seconds: float = 30.0,
        flap_polls: int = 2,
        *,
        deployment: str = DEFAULT_NAME,
    ) -> None:
        self._db = db
        self._monitoring = monitoring
        self._notifications = notifications
        self.interval = interval_seconds
        self.flap_polls = flap_polls
        self.name = scoped_key(HealthWatcher.name, deployment)
        self.state_key = scoped_key(STATE_KEY, deployment)

    async def check_once(self) -> int:
        snapshot = await self._monitoring.snapshot(force=True)
        return await self.observe(snapshot)

    async def observe(self, snapshot: SystemSnapshot) -> int:
        """Count this poll towards each service's streak; announce what held long enough."""
        written = 0
        async with self._db.session() as session:
            state: dict[str, Any] = await load_state(session, self.state_key)
            announced: dict[str, str] = state.setdefault("announced", {})
            streaks: dict[str, list[Any]] = state.setdefault("streak", {})
            counters: dict[str, int] = state.setdefault("seq", {})
            for service in snapshot.services:
                if service.state is ServiceState.UNKNOWN:
                    continue
                seen = DOWN if service.state is ServiceState.DOWN else UP
                if seen == announced.get(service.key, UP):
                    streaks.pop(service.key, None)
                    continue
                streak = streaks.get(service.key)
                count = streak[1] + 1 if streak and streak[0] == seen else 1
                if count < self.flap_polls:
                    streaks[service.key] = [seen, count]
                    continue
                counters[service.key] = counters.get(service.key, 0) + 1
                key = f"service:{service.key}:{seen}:{counters[service.key]}"
                notice = service_notice(
                    key, service.key, service.name, seen == DOWN, service.reason
                )
                await self._notifications.notify(notice, session=session)
                announced[service.key] = seen
                streaks.pop(service.key, None)
                written += 1
            await save_state(session, self.state_key, state)
        return written

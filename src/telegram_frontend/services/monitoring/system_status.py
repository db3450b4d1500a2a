"""What the monitoring snapshot says about the trading system, as plain immutable values.

Kept apart from `monitoring_service` (which gathers it) so the bot, the API and the alert
evaluator can read a snapshot without importing the machinery that builds one.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from telegram_frontend.clients.trading.collection import CollectionMetrics
from telegram_frontend.clients.trading.macd import MacdSummary, TraderMetrics
from telegram_frontend.clients.trading.storage import StorageQuality
from telegram_frontend.core.availability import Unavailable


class ServiceState(enum.StrEnum):
    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"
    UNKNOWN = "unknown"


SEVERITY = {ServiceState.UP: 0, ServiceState.UNKNOWN: 1, ServiceState.DEGRADED: 2}
SEVERITY[ServiceState.DOWN] = 3

SERVICES: dict[str, str] = {
    "macd_trader": "MACD trader",
    "grid_trader": "grid trader",
    "data_storage": "data storage",
    "data_collection": "data collection",
    "prometheus": "Prometheus",
    "trading_db": "trading database",
}


@dataclass(frozen=True)
class ServiceStatus:
    key: str
    name: str
    state: ServiceState
    latency_ms: float | None = None
    reason: str | None = None
    breaker: str | None = None


@dataclass(frozen=True)
class DataFreshness:
    """Age of the newest kline event seen by the ingest or the storage."""

    last_event_at: datetime | None = None
    age_seconds: float | None = None
    source: str | None = None
    stale: bool | None = None


@dataclass(frozen=True)
class SystemSnapshot:
    taken_at: datetime
    services: tuple[ServiceStatus, ...]
    freshness: DataFreshness = field(default_factory=DataFreshness)
    websocket: CollectionMetrics | None = None
    quality: StorageQuality | None = None
    trader: MacdSummary | None = None
    trader_metrics: TraderMetrics | None = None
    prometheus_targets: dict[str, bool] = field(default_factory=dict)
    unavailable: tuple[Unavailable, ...] = ()

    def service(self, key: str) -> ServiceStatus:
        return next(s for s in self.services if s.key == key)

    @property
    def storage_connections(self) -> dict[str, bool | None]:
        q = self.quality
        return {
            "postgres": q.postgres_connected if q else None,
            "elasticsearch": q.elasticsearch_connected if q else None,
        }

    @property
    def overall(self) -> ServiceState:
        """The worst state among configured services (UNKNOWN ones are not configured)."""
        states = [s.state for s in self.services if s.state is not ServiceState.UNKNOWN]
        return max(states, key=SEVERITY.__getitem__, default=ServiceState.UNKNOWN)

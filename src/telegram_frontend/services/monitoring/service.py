"""The state of the trading system at a glance: every service, data freshness, ingest, storage.

All backends are asked concurrently under one overall deadline, and the whole snapshot is cached
for `monitoring_cache_seconds` behind a lock, so a burst of /status commands costs the backends
one round of requests and no user waits longer than the deadline.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from telegram_frontend.clients.trading.actuator import ActuatorHealth
from telegram_frontend.clients.trading.backends import BackendClients
from telegram_frontend.clients.trading.collection import CollectionMetrics
from telegram_frontend.clients.trading.http import ServiceHttp
from telegram_frontend.clients.trading.macd import MacdSummary, TraderMetrics
from telegram_frontend.clients.trading.storage import StorageQuality
from telegram_frontend.core.availability import Unavailable
from telegram_frontend.core.errors import (
    BackendError,
    BackendRejected,
    BackendUnsupported,
    FrontendError,
)
from telegram_frontend.core.settings import Settings
from telegram_frontend.services.monitoring.system_status import (
    SERVICES,
    SEVERITY,
    DataFreshness,
    ServiceState,
    ServiceStatus,
    SystemSnapshot,
)

__all__ = [
    "DataFreshness",
    "MonitoringService",
    "ServiceState",
    "ServiceStatus",
    "SystemSnapshot",
    "health_state",
]


_T = TypeVar("_T")
_Feed = TypeVar("_Feed", StorageQuality, CollectionMetrics)


@dataclass
class _Check:
    """What one service check found: its status plus the figures it brought back."""

    state: ServiceState = ServiceState.UP
    reasons: list[str] = field(default_factory=list)
    latency_ms: float | None = None
    data: dict[str, Any] = field(default_factory=dict)
    notes: list[Unavailable] = field(default_factory=list)

    def worsen(self, state: ServiceState, reason: str | None) -> None:
        if SEVERITY[state] > SEVERITY[self.state]:
            self.state = state
        if reason:
            self.reasons.append(reason)


def health_state(health: ActuatorHealth) -> tuple[ServiceState, str | None]:
    """UP only when the service and every component say UP; DOWN only when it says DOWN."""
    bad = health.not_up()
    listed = f" ({', '.join(bad[:5])})" if bad else ""
    if health.status == "UP":
        return (
            (ServiceState.DEGRADED, f"components not UP{listed}")
            if bad
            else (
                ServiceState.UP,
                None,
            )
        )
    if health.status == "DOWN":
        return ServiceState.DOWN, f"it reports DOWN{listed}"
    return ServiceState.DEGRADED, f"it reports {health.status}{listed}"


class MonitoringService:
    def __init__(
        self,
        clients: BackendClients,
        *,
        cache_seconds: float = 5.0,
        overall_timeout: float = 10.0,
        stale_after_seconds: float = 600.0,
        environment: str | None = "testnet",
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.clients = clients
        self.environment = environment  # only this deployment's Prometheus jobs are shown
        self.cache_seconds = cache_seconds
        self.overall_timeout = overall_timeout
        self.stale_after_seconds = stale_after_seconds
        self._clock = clock
        self._now = now
        self._lock = asyncio.Lock()
        self._cached: tuple[float, SystemSnapshot] | None = None
        self.refreshes = 0  # how many times the backends were actually asked

    @classmethod
    def from_settings(cls, settings: Settings, clients: BackendClients) -> MonitoringService:
        per_call = settings.http_connect_timeout + settings.http_read_timeout
        return cls(
            clients,
            cache_seconds=settings.monitoring_cache_seconds,
            overall_timeout=per_call + 1.0,
            stale_after_seconds=settings.heartbeat_stale_seconds,
            environment=settings.deployment_environment,
        )

    async def snapshot(self, force: bool = False) -> SystemSnapshot:
        """The cached snapshot when fresh; otherwise one refresh shared by all waiting callers."""
        if not force and (cached := self._fresh()) is not None:
            return cached
        async with self._lock:
            if not force and (cached := self._fresh()) is not None:
                return cached
            snapshot = await self._collect()
            self._cached = (self._clock(), snapshot)
            return snapshot

    def _fresh(self) -> SystemSnapshot | None:
        if self._cached is None:
            return None
        at, snapshot = self._cached
        return snapshot if self._clock() - at < self.cache_seconds else None

    async def _collect(self) -> SystemSnapshot:
        self.refreshes += 1
        c = self.clients
        probes: dict[str, Callable[[], Coroutine[Any, Any, _Check]] | None] = {
            "macd_trader": self._check_macd if c.macd else None,
            "grid_trader": self._check_grid if c.grid else None,
            "data_storage": self._check_storage if c.storage else None,
            "data_collection": self._check_collection if c.collection else None,
            "prometheus": self._check_prometheus if c.prometheus else None,
            "trading_db": self._check_trading_db if c.trading_db else None,
        }
        tasks: dict[str, asyncio.Task[_Check]] = {
            key: asyncio.create_task(probe()) for key, probe in probes.items() if probe
        }
        if tasks:
            _, pending = await asyncio.wait(tasks.values(), timeout=self.overall_timeout)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        checks: dict[str, _Check] = {}
        for key, task in tasks.items():
            if task.cancelled():
                reason = f"it did not answer within {self.overall_timeout:g} s"
                checks[key] = _Check(ServiceState.DOWN, [reason])
            elif (exc := task.exception()) is not None:
                checks[key] = _Check(
                    ServiceState.DOWN, [f"the check failed ({type(exc).__name__})"]
                )
            else:
                checks[key] = task.result()
        return self._assemble(probes, checks)

    def _assemble(self, probes: dict[str, Any], checks: dict[str, _Check]) -> SystemSnapshot:
        breakers = {http.service: http.breaker.state.value for http in self._https()}
        statuses = []
        notes: list[Unavailable] = []
        data: dict[str, Any] = {}
        for key, name in SERVICES.items():
            check = checks.get(key)
            if probes.get(key) is None or check is None:
                # the grid trader is optional and not deployed by default: not a fault
                missing = "not deployed" if key == "grid_trader" else "not configured"
                statuses.append(ServiceStatus(key, name, ServiceState.UNKNOWN, None, missing))
                continue
            reason = "; ".join(check.reasons) or None
            statuses.append(
                ServiceStatus(key, name, check.state, check.latency_ms, reason, breakers.get(name))
            )
            if check.state is ServiceState.DOWN:
                notes.append(Unavailable(name, f"The {name} service is unavailable: {reason}."))
            notes.extend(check.notes)
            data.update(check.data)
        return SystemSnapshot(
            taken_at=self._now(),
            services=tuple(statuses),
            freshness=self._freshness(data),
            websocket=data.get("websocket"),
            quality=data.get("quality"),
            trader=data.get("summary"),
            trader_metrics=data.get("trader_metrics"),
            prometheus_targets=data.get("targets", {}),
            unavailable=tuple(notes),
        )

    def _https(self) -> list[ServiceHttp]:
        c = self.clients
        return [x.http for x in (c.macd, c.grid, c.storage, c.collection, c.prometheus) if x]

    def _freshness(self, data: dict[str, Any]) -> DataFreshness:
        candidates = [
            (moment, source)
            for moment, source in (
                (getattr(data.get("websocket"), "last_kline_event_at", None), "data collection"),
                (getattr(data.get("quality"), "last_kline_event_at", None), "data storage"),
            )
            if moment is not None
        ]
        if not candidates:
            return DataFreshness()
        moment, source = max(candidates, key=lambda pair: pair[0])
        age = max(0.0, (self._now() - moment).total_seconds())
        return DataFreshness(moment, age, source, age > self.stale_after_seconds)

    def _stale_reason(self, moment: datetime | None) -> str | None:
        if moment is None:
            return None
        age = (self._now() - moment).total_seconds()
        if age <= self.stale_after_seconds:
            return None
        return f"no kline event for {_duration(age)}"

    async def _probe(
        self, fetch: Callable[[], Awaitable[ActuatorHealth]], *extras: Awaitable[Any]
    ) -> tuple[_Check, list[Any]]:
        """Ask the actuator and the extra figures at once (one round trip of waiting, not
        several); the extras come back as values or exceptions, empty when it is unreachable."""
        check, started = _Check(), time.perf_counter()

        async def timed_health() -> ActuatorHealth:
            health = await fetch()
            check.latency_ms = _ms(started)
            return health

        health, *results = await asyncio.gather(timed_health(), *extras, return_exceptions=True)
        if isinstance(health, ActuatorHealth):
            check.worsen(*health_state(health))
        elif isinstance(health, BackendRejected):
            check.latency_ms = _ms(started)
            check.worsen(ServiceState.DEGRADED, _lower_first(health.user_message))
        elif isinstance(health, FrontendError):
            check.worsen(ServiceState.DOWN, _reason_of(health))
            return check, []
        elif isinstance(health, BaseException):
            raise health
        return check, results

    async def _check_macd(self) -> _Check:
        client = self.clients.macd
        assert client is not None
        check, results = await self._probe(client.health, client.summary(), client.metrics())
        if not results:
            return check
        summary, metrics = results
        if isinstance(summary, MacdSummary):
            check.data["summary"] = summary
        elif isinstance(summary, FrontendError):
            check.worsen(ServiceState.DEGRADED, _lower_first(summary.user_message))
        if isinstance(metrics, TraderMetrics):
            check.data["trader_metrics"] = metrics
        return check

    async def _check_grid(self) -> _Check:
        """The grid trader has no actuator: its strategy list is the liveness probe."""
        client = self.clients.grid
        assert client is not None
        check, _ = await _timed(client.strategies(), (BackendUnsupported, BackendRejected))
        return check  # BackendUnsupported: alive, its REST API switched off

    async def _check_storage(self) -> _Check:
        client = self.clients.storage
        assert client is not None

        def judge(check: _Check, quality: StorageQuality) -> None:
            check.data["quality"] = quality
            if quality.postgres_connected is False:
                check.worsen(ServiceState.DEGRADED, "its PostgreSQL connection is down")
            if quality.elasticsearch_connected is False:
                check.worsen(ServiceState.DEGRADED, "its Elasticsearch connection is down")

        return await self._check_feed(
            client.health, client.quality(), "data storage", StorageQuality, judge
        )

    async def _check_collection(self) -> _Check:
        client = self.clients.collection
        assert client is not None

        def judge(check: _Check, metrics: CollectionMetrics) -> None:
            check.data["websocket"] = metrics
            if metrics.active_websocket_connections == 0:
                check.worsen(ServiceState.DEGRADED, "no websocket connection to Binance")

        return await self._check_feed(
            client.health, client.stream_metrics(), "data collection", CollectionMetrics, judge
        )

    async def _check_feed(
        self,
        health: Callable[[], Awaitable[ActuatorHealth]],
        figures: Awaitable[Any],
        label: str,
        kind: type[_Feed],
        judge: Callable[[_Check, _Feed], None],
    ) -> _Check:
        """A data service: its actuator, then its figures judged, then their freshness; figures
        it cannot give are a note on the screen, not a fault of the service."""
        check, results = await self._probe(health, figures)
        if not results:
            return check
        [found] = results
        if isinstance(found, FrontendError):
            check.notes.append(Unavailable.from_error(label, found))
            return check
        assert isinstance(found, kind)
        judge(check, found)
        if stale := self._stale_reason(found.last_kline_event_at):
            check.worsen(ServiceState.DEGRADED, stale)
        return check

    async def _check_prometheus(self) -> _Check:
        client = self.clients.prometheus
        assert client is not None
        check, targets = await _timed(client.targets_up(self.environment))
        if targets is not None:
            check.data["targets"] = targets
        return check

    async def _check_trading_db(self) -> _Check:
        db = self.clients.trading_db
        assert db is not None
        check, _ = await _timed(db.ping())
        return check


async def _timed(
    call: Awaitable[_T],
    degraded: tuple[type[FrontendError], ...] = (BackendRejected,),
) -> tuple[_Check, _T | None]:
    """One call as a service's liveness probe: refused (`degraded`) means alive but DEGRADED,
    any other failure DOWN (and no latency); the value when it answered."""
    check, started = _Check(), time.perf_counter()
    try:
        value: _T | None = await call
    except degraded as exc:
        check.worsen(ServiceState.DEGRADED, _lower_first(exc.user_message))
        value = None
    except FrontendError as exc:
        check.worsen(ServiceState.DOWN, _reason_of(exc))
        return check, None
    check.latency_ms = _ms(started)
    return check, value


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _reason_of(exc: FrontendError) -> str:
    reason = getattr(exc, "reason", None)
    if isinstance(reason, str):
        return reason
    return _lower_first(exc.user_message) if not isinstance(exc, BackendError) else exc.message


def _lower_first(text: str) -> str:
    text = text.rstrip(".")
    return text[:1].lower() + text[1:]


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{int(seconds)} s"
    if seconds < 7200:
        return f"{int(seconds // 60)} min"
    return f"{seconds / 3600:.1f} h"

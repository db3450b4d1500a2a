"""The detailed health page: every backend's actuator components, Binance, and this process.

`/status` says whether things work; `/health` says which part does not. It reuses the
monitoring snapshot (states, latency, breakers, storage connections, ingest) and the readiness
check of `/health/ready`, and adds what only this page needs: the actuator component list of
each service and a timed Binance ping with the request weight used.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal

from prometheus_client import Counter, Gauge

from telegram_frontend.clients.binance.client import BinanceClient
from telegram_frontend.clients.trading.actuator import ActuatorHealth, ComponentHealth
from telegram_frontend.clients.trading.backends import BackendClients
from telegram_frontend.core.access import Actor, Role, require
from telegram_frontend.core.caching.cache import Cache
from telegram_frontend.core.database import Database
from telegram_frontend.core.errors import FrontendError
from telegram_frontend.core.metrics import (
    COMMANDS,
    DELIVERIES,
    OUTBOX_DEPTH,
    OUTBOX_OLDEST_AGE,
    TELEGRAM_429,
)
from telegram_frontend.core.runtime_state import RuntimeState
from telegram_frontend.services.monitoring.readiness import Readiness, check_readiness
from telegram_frontend.services.monitoring.service import MonitoringService
from telegram_frontend.services.monitoring.system_status import SystemSnapshot

DEFAULT_DEADLINE_S = 10.0


@dataclass(frozen=True)
class BinanceStatus:
    reachable: bool
    testnet: bool
    latency_ms: float | None = None
    used_weight: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class PoolUsage:
    """Connections of our own database pool (None where the pool does not count them)."""

    in_use: int | None
    size: int | None


@dataclass(frozen=True)
class HealthReport:
    system: SystemSnapshot
    components: dict[str, dict[str, str]]  # service key → dotted component → status
    readiness: Readiness
    pool: PoolUsage
    binance: BinanceStatus | None  # None when no Binance client is configured


@dataclass(frozen=True)
class DeliveryFigures:
    """Our own delivery counters since this process started."""

    deliveries: dict[str, Decimal] = field(default_factory=dict)  # result → count
    telegram_429: Decimal = Decimal(0)
    outbox_depth: Decimal = Decimal(0)
    outbox_oldest_age_s: Decimal = Decimal(0)
    commands: Decimal = Decimal(0)  # handled successfully
    command_errors: Decimal = Decimal(0)


class HealthReportService:
    def __init__(
        self,
        monitoring: MonitoringService,
        clients: BackendClients,
        db: Database,
        cache: Cache,
        state: RuntimeState,
        binance: BinanceClient | None,
        deadline_seconds: float = DEFAULT_DEADLINE_S,
    ) -> None:
        self.monitoring = monitoring
        self.clients = clients
        self.db = db
        self.cache = cache
        self.state = state
        self.binance = binance
        self.deadline = deadline_seconds

    async def report(self, actor: Actor) -> HealthReport:
        require(actor, Role.VIEWER)
        system, components, readiness, binance = await asyncio.gather(
            self.monitoring.snapshot(),
            self._components(),
            check_readiness(self.db, self.cache, self.state),
            self._binance(),
        )
        return HealthReport(system, components, readiness, self._pool(), binance)

    async def _components(self) -> dict[str, dict[str, str]]:
        """Each reachable service's actuator components (a down service simply has none)."""
        c = self.clients
        probes: dict[str, Callable[[], Awaitable[ActuatorHealth]]] = {
            key: client.health
            for key, client in (
                ("macd_trader", c.macd),
                ("grid_trader", c.grid),
                ("data_storage", c.storage),
                ("data_collection", c.collection),
            )
            if client is not None
        }

        async def one(fetch: Callable[[], Awaitable[ActuatorHealth]]) -> dict[str, str]:
            try:
                health = await asyncio.wait_for(fetch(), self.deadline)
            except (FrontendError, TimeoutError):
                return {}
            return _flatten(health)

        results = await asyncio.gather(*(one(fetch) for fetch in probes.values()))
        return {key: found for key, found in zip(probes, results, strict=True) if found}

    async def _binance(self) -> BinanceStatus | None:
        client = self.binance
        if client is None:
            return None
        started = time.perf_counter()
        try:
            await asyncio.wait_for(client.ping(), self.deadline)
        except TimeoutError:
            reason = f"Binance did not answer within {self.deadline:g} s."
            return BinanceStatus(False, not client.is_mainnet, error=reason)
        except FrontendError as exc:
            return BinanceStatus(False, not client.is_mainnet, error=exc.user_message)
        latency = round((time.perf_counter() - started) * 1000, 1)
        return BinanceStatus(True, not client.is_mainnet, latency, client.used_weight)

    def _pool(self) -> PoolUsage:
        pool = self.db.engine.pool
        in_use = getattr(pool, "checkedout", None)
        size = getattr(pool, "size", None)
        return PoolUsage(in_use() if callable(in_use) else None, size() if callable(size) else None)


def _flatten(component: ComponentHealth, prefix: str = "") -> dict[str, str]:
    found: dict[str, str] = {}
    for name, child in component.components.items():
        found[f"{prefix}{name}"] = child.status
        found.update(_flatten(child, f"{prefix}{name}."))
    return found


def _counter_values(counter: Counter | Gauge) -> dict[tuple[str, ...], Decimal]:
    """Every labelled series of a metric object (counters without the `_created` samples)."""
    values: dict[tuple[str, ...], Decimal] = {}
    for family in counter.collect():
        for sample in family.samples:
            if sample.name.endswith("_created"):
                continue
            values[tuple(sample.labels.values())] = Decimal(str(sample.value))
    return values


def delivery_figures() -> DeliveryFigures:
    """Read our own Prometheus metric objects (the same numbers `/metrics` serves)."""
    deliveries = {labels[0]: v for labels, v in _counter_values(DELIVERIES).items() if labels}
    commands = _counter_values(COMMANDS)  # labels: (command, outcome)

    def outcome(name: str) -> Decimal:
        return sum((v for labels, v in commands.items() if labels[1:2] == (name,)), Decimal(0))

    return DeliveryFigures(
        deliveries=dict(sorted(deliveries.items())),
        telegram_429=sum(_counter_values(TELEGRAM_429).values(), Decimal(0)),
        outbox_depth=sum(_counter_values(OUTBOX_DEPTH).values(), Decimal(0)),
        outbox_oldest_age_s=sum(_counter_values(OUTBOX_OLDEST_AGE).values(), Decimal(0)),
        commands=outcome("ok"),
        command_errors=outcome("error"),
    )

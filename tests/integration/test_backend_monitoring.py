"""The monitoring snapshot: service states, freshness, ingest and storage figures, and its cache."""

from __future__ import annotations

import asyncio

import pytest

from telegram_frontend.clients.trading.backends import BackendClients
from telegram_frontend.sandbox.backends.trading_system import FakeBackends
from telegram_frontend.services.monitoring.service import MonitoringService, ServiceState

from .backend_fixtures import *  # noqa: F403 (the fixtures)
from .backend_fixtures import MarketClock, make_clients


class Ticker:
    """A monotonic clock for the cache, moved by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticker() -> Ticker:
    return Ticker()


@pytest.fixture
def monitoring(
    clients: BackendClients, backend_clock: MarketClock, ticker: Ticker
) -> MonitoringService:
    return MonitoringService(
        clients,
        cache_seconds=5,
        overall_timeout=3,
        stale_after_seconds=600,
        clock=ticker,
        now=backend_clock.utc,
    )


def _states(snapshot: object) -> dict[str, ServiceState]:
    return {s.key: s.state for s in snapshot.services}  # type: ignore[attr-defined]


async def test_everything_up_with_figures(
    fakes: FakeBackends, monitoring: MonitoringService, backend_clock: MarketClock
) -> None:
    backend_clock.advance(30)
    await fakes.step()
    backend_clock.advance(45)
    snapshot = await monitoring.snapshot()
    assert set(_states(snapshot).values()) == {ServiceState.UP}
    assert snapshot.overall is ServiceState.UP
    assert all(s.latency_ms is not None and s.latency_ms >= 0 for s in snapshot.services)
    assert snapshot.freshness.age_seconds == 45
    assert snapshot.freshness.stale is False
    assert snapshot.websocket is not None
    assert snapshot.websocket.active_websocket_connections == 1
    assert snapshot.quality is not None
    assert snapshot.quality.failed == 2
    assert snapshot.storage_connections == {"postgres": True, "elasticsearch": True}
    assert snapshot.trader is not None
    assert snapshot.trader.total_instances == 2
    assert snapshot.prometheus_targets["binance-data-collection-testnet"] is True
    assert "node-exporter" not in snapshot.prometheus_targets  # another environment's job
    assert snapshot.unavailable == ()
    assert {s.breaker for s in snapshot.services if s.key != "trading_db"} == {"closed"}


async def test_unset_urls_are_unknown_not_configured(
    fakes: FakeBackends, backend_clock: MarketClock
) -> None:
    clients = make_clients(fakes, grid_trader_url=None, prometheus_url=None)
    clients.grid = clients.prometheus = None
    try:
        snapshot = await MonitoringService(clients, now=backend_clock.utc).snapshot()
    finally:
        await clients.aclose()
    grid = snapshot.service("grid_trader")
    assert (grid.state, grid.reason) == (ServiceState.UNKNOWN, "not deployed")  # not DOWN
    assert snapshot.service("prometheus").state is ServiceState.UNKNOWN
    assert snapshot.service("macd_trader").state is ServiceState.UP
    assert snapshot.overall is ServiceState.UP


async def test_a_burst_of_callers_triggers_one_refresh(
    monitoring: MonitoringService, ticker: Ticker
) -> None:
    snapshots = await asyncio.gather(*(monitoring.snapshot() for _ in range(25)))
    assert monitoring.refreshes == 1
    assert all(s is snapshots[0] for s in snapshots)
    ticker.now += 4.9
    await monitoring.snapshot()
    assert monitoring.refreshes == 1
    ticker.now += 0.2
    await monitoring.snapshot()
    assert monitoring.refreshes == 2
    await monitoring.snapshot(force=True)
    assert monitoring.refreshes == 3


async def test_broken_ingest_and_storage_connections_degrade(
    fakes: FakeBackends, monitoring: MonitoringService
) -> None:
    fakes.collection.disconnect()
    fakes.storage.elasticsearch_up = False
    snapshot = await monitoring.snapshot()
    collection, storage = snapshot.service("data_collection"), snapshot.service("data_storage")
    assert collection.state is ServiceState.DEGRADED
    assert collection.reason is not None
    assert "OUT_OF_SERVICE" in collection.reason
    assert "no websocket connection to Binance" in collection.reason
    assert storage.state is ServiceState.DEGRADED
    assert storage.reason is not None
    assert "Elasticsearch connection is down" in storage.reason
    assert snapshot.storage_connections == {"postgres": True, "elasticsearch": False}
    assert snapshot.overall is ServiceState.DEGRADED


async def test_storage_reporting_down_is_down(
    fakes: FakeBackends, monitoring: MonitoringService
) -> None:
    fakes.storage.postgres_up = False
    storage = (await monitoring.snapshot()).service("data_storage")
    assert storage.state is ServiceState.DOWN
    assert storage.reason is not None
    assert "it reports DOWN (db)" in storage.reason


async def test_stale_data_degrades_with_its_age(
    monitoring: MonitoringService, backend_clock: MarketClock
) -> None:
    backend_clock.advance(2 * 3600)
    snapshot = await monitoring.snapshot()
    assert snapshot.freshness.stale is True
    assert snapshot.freshness.age_seconds == 7200
    for key in ("data_collection", "data_storage"):
        status = snapshot.service(key)
        assert status.state is ServiceState.DEGRADED
        assert status.reason == "no kline event for 2.0 h"


async def test_rejected_key_degrades_the_trader(
    fakes: FakeBackends, backend_clock: MarketClock
) -> None:
    clients = make_clients(fakes, macd_trader_api_key="btai_testnet_" + "x" * 32)
    try:
        snapshot = await MonitoringService(clients, now=backend_clock.utc).snapshot()
    finally:
        await clients.aclose()
    trader = snapshot.service("macd_trader")
    assert trader.state is ServiceState.DEGRADED
    assert trader.reason is not None
    assert trader.reason.startswith("the MACD trader service refused our request (HTTP 403)")
    assert "MACD_TRADER_API_KEY to a key with the ADMIN role" in trader.reason
    assert snapshot.trader is None

"""Backends that are down, slow, failing or rejecting our key: clear exceptions in bounded time,
a circuit breaker that opens and closes again, and nothing that crashes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from telegram_frontend.clients.trading.backends import BackendClients
from telegram_frontend.clients.trading.http import BreakerState, CircuitOpen
from telegram_frontend.clients.trading_db.reader import TradingDatabase
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.availability import Partial
from telegram_frontend.core.errors import (
    BackendRejected,
    BackendUnavailable,
    FrontendError,
)
from telegram_frontend.sandbox.backends.grid_trader import SEEDED_GRID_ID
from telegram_frontend.sandbox.backends.trading_system import FakeBackends
from telegram_frontend.services.monitoring.service import MonitoringService, ServiceState
from telegram_frontend.services.trading.performance import Period
from telegram_frontend.services.trading.service import TradingService

from .backend_fixtures import *  # noqa: F403 (the fixtures)
from .backend_fixtures import SHORT_READ_TIMEOUT, MarketClock, make_clients


@pytest.fixture
async def clients(fakes: FakeBackends) -> AsyncIterator[BackendClients]:
    """Clients that give up on a slow service after half a second, as these tests measure."""
    built = make_clients(fakes, http_read_timeout=SHORT_READ_TIMEOUT)
    try:
        yield built
    finally:
        await built.aclose()


TRADER = Actor(role=Role.TRADER, user_id=42)
SEEDED_GRID = f"grid:{SEEDED_GRID_ID}"


async def _timed(call: Awaitable[Any]) -> tuple[BaseException | None, float]:
    started = time.perf_counter()
    try:
        await call
    except BaseException as exc:
        return exc, time.perf_counter() - started
    return None, time.perf_counter() - started


async def test_down_service_fails_fast_and_monitoring_shows_only_it_down(
    fakes: FakeBackends, clients: BackendClients, backend_clock: MarketClock
) -> None:
    await fakes.go_down("macd_trader")
    service = TradingService(clients)
    error, elapsed = await _timed(service.get_strategy(TRADER, "macd:conservative-btc"))
    assert isinstance(error, BackendUnavailable)
    assert error.user_message == (
        "The MACD trader service is unavailable: "
        "the connection was refused or the host is unreachable."
    )
    assert elapsed < 1.0
    snapshot = await MonitoringService(clients, now=backend_clock.utc).snapshot()
    states = {s.key: s.state for s in snapshot.services}
    assert states.pop("macd_trader") is ServiceState.DOWN
    assert set(states.values()) == {ServiceState.UP}
    assert [n.service for n in snapshot.unavailable] == ["MACD trader"]


async def test_slow_service_times_out_with_the_seconds_waited(
    fakes: FakeBackends, clients: BackendClients, backend_clock: MarketClock
) -> None:
    fakes.faults["grid_trader"].delay_seconds = 3
    service = TradingService(clients)
    error, elapsed = await _timed(service.get_strategy(TRADER, SEEDED_GRID))
    assert isinstance(error, BackendUnavailable)
    assert error.user_message == (
        "The grid trader service is unavailable: it did not answer within 0.5 s."
    )
    assert elapsed < 1.5
    listing, elapsed = await _partial(service.list_strategies(TRADER))
    assert elapsed < 1.5
    assert {s.kind.value for s in listing.items} == {"macd"}
    assert "did not answer within 0.5 s" in listing.unavailable[0].sentence
    snapshot = await MonitoringService(clients, now=backend_clock.utc).snapshot()
    assert snapshot.service("grid_trader").state is ServiceState.DOWN
    assert snapshot.service("data_storage").state is ServiceState.UP


async def _partial(call: Awaitable[Partial[Any]]) -> tuple[Partial[Any], float]:
    started = time.perf_counter()
    result = await call
    return result, time.perf_counter() - started


async def test_monitoring_answers_within_its_overall_deadline(
    fakes: FakeBackends, backend_clock: MarketClock
) -> None:
    clients = make_clients(fakes, http_read_timeout=10)
    fakes.faults["data_storage"].delay_seconds = 5
    monitoring = MonitoringService(clients, overall_timeout=0.5, now=backend_clock.utc)
    try:
        started = time.perf_counter()
        snapshot = await monitoring.snapshot()
        elapsed = time.perf_counter() - started
    finally:
        await clients.aclose()
    assert elapsed < 1.2
    storage = snapshot.service("data_storage")
    assert (storage.state, storage.reason) == (ServiceState.DOWN, "it did not answer within 0.5 s")
    assert snapshot.service("macd_trader").state is ServiceState.UP


async def test_erroring_and_key_rejecting_services_are_named(
    fakes: FakeBackends, clients: BackendClients
) -> None:
    assert clients.macd is not None
    assert clients.storage is not None
    fakes.faults["data_storage"].error_status = 500
    with pytest.raises(BackendUnavailable, match="data storage service is unavailable: it answe"):
        await clients.storage.recent_klines("BTCUSDT", "1h")
    fakes.faults["macd_trader"].reject_key = True
    with pytest.raises(BackendRejected) as error:
        await TradingService(clients).get_strategy(TRADER, "macd:aggressive-eth")
    assert error.value.user_message.startswith(
        "The MACD trader service refused our request (HTTP 403): set MACD_TRADER_API_KEY to a "
        "key with the ADMIN role"
    )
    assert clients.macd.http.breaker.state is BreakerState.CLOSED  # it answered: not a failure


async def test_breaker_opens_then_a_half_open_probe_closes_it(
    fakes: FakeBackends, clients: BackendClients
) -> None:
    grid = clients.grid
    assert grid is not None
    await fakes.go_down("grid_trader")
    for _ in range(2):  # threshold 2
        with pytest.raises(BackendUnavailable, match="refused"):
            await grid.strategies()
    assert grid.http.breaker.state is BreakerState.OPEN
    error, elapsed = await _timed(grid.strategies())
    assert isinstance(error, CircuitOpen)
    # The last real cause, not "circuit open", is what the user reads.
    assert "refused" in error.user_message and "(not asked again for 1 s)" in error.user_message
    assert "circuit open" not in error.user_message
    assert elapsed < 0.05
    await fakes.come_up("grid_trader")
    await asyncio.sleep(0.45)  # reset time 0.4 s
    assert grid.http.breaker.state is BreakerState.HALF_OPEN
    assert len(await grid.strategies()) == 1
    assert grid.http.breaker.state is BreakerState.CLOSED


async def test_a_failed_probe_opens_the_breaker_again(
    fakes: FakeBackends, clients: BackendClients
) -> None:
    collection = clients.collection
    assert collection is not None
    fakes.faults["data_collection"].error_status = 503
    for _ in range(2):
        with pytest.raises(BackendUnavailable):
            await collection.stream_metrics()
    await asyncio.sleep(0.45)
    with pytest.raises(BackendUnavailable, match="HTTP 503"):  # the probe itself
        await collection.stream_metrics()
    assert collection.http.breaker.state is BreakerState.OPEN
    with pytest.raises(CircuitOpen):
        await collection.stream_metrics()


async def test_nothing_crashes_when_every_backend_is_down(
    fakes: FakeBackends, clients: BackendClients, backend_clock: MarketClock
) -> None:
    for name in list(fakes.servers):
        await fakes.go_down(name)
    assert clients.trading_db is not None
    await clients.trading_db.aclose()
    clients.trading_db = TradingDatabase.connect(
        "postgresql+asyncpg://postgres@127.0.0.1:1/x", connect_timeout=0.5, query_timeout=0.5
    )
    service = TradingService(clients)
    calls: list[Callable[[], Awaitable[Any]]] = [
        lambda: service.list_strategies(TRADER),
        lambda: service.get_strategy(TRADER, SEEDED_GRID),
        lambda: service.start_strategy(TRADER, SEEDED_GRID),
        lambda: service.stop_strategy(TRADER, "macd:aggressive-eth"),
        lambda: service.executed_trades(TRADER),
        lambda: service.positions(TRADER),
        lambda: service.orders(TRADER),
        lambda: service.equity_series(TRADER, "macd:aggressive-eth"),
        lambda: service.performance(TRADER, Period.MONTH),
    ]
    started = time.perf_counter()
    for call in calls:
        outcome: Any
        try:
            outcome = await call()
        except FrontendError as exc:
            outcome = exc
        if isinstance(outcome, Partial):
            assert outcome.unavailable
        else:
            assert isinstance(outcome, FrontendError), outcome
            assert outcome.user_message.endswith(".")
    snapshot = await MonitoringService(clients, now=backend_clock.utc).snapshot()
    assert {s.state for s in snapshot.services} == {ServiceState.DOWN}
    assert time.perf_counter() - started < 10
    assert clients.trading_db is not None
    await clients.trading_db.aclose()

"""Fixtures for the trading-system tests: the fake backends on free ports and clients for them.

The market clock is frozen (time moves when a test says so), so the trader's decisions, the
klines and every timestamp are the same on every run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from telegram_frontend.clients.trading.backends import BackendClients
from telegram_frontend.clients.trading_db.reader import TradingDatabase
from telegram_frontend.sandbox.backends.market import SimulatedMarket
from telegram_frontend.sandbox.backends.trading_db import (
    FakeTradingDatabase,
    scratch_postgres_database,
)
from telegram_frontend.sandbox.backends.trading_system import FakeBackends

# Test modules take the fixtures with `from .backend_fixtures import *`.
__all__ = [
    "backend_clock",
    "backend_market",
    "clients",
    "fakes",
    "owner",
    "reader",
    "reader_timeouts",
    "trading_db_url",
]

START = datetime(2025, 10, 12, 12, 0, tzinfo=UTC)

# Short timeouts and a low breaker threshold keep failure tests fast. The read timeout is patient
# enough for a loaded CI machine; tests of slow services ask for `SHORT_READ_TIMEOUT`.
SHORT_READ_TIMEOUT = 0.5
FAST_SETTINGS: dict[str, Any] = {
    "http_connect_timeout": 0.5,
    "http_read_timeout": 5.0,
    "http_retries": 0,
    "breaker_failure_threshold": 2,
    "breaker_reset_seconds": 0.4,
    "monitoring_cache_seconds": 5.0,
}


class MarketClock:
    def __init__(self, start: datetime) -> None:
        self.now = start.timestamp()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def utc(self) -> datetime:
        return datetime.fromtimestamp(self.now, tz=UTC)


@pytest.fixture
def backend_clock() -> MarketClock:
    return MarketClock(START)


@pytest.fixture
def backend_market(backend_clock: MarketClock) -> SimulatedMarket:
    return SimulatedMarket(seed=7, clock=backend_clock)


@pytest.fixture(params=["sqlite", "pg"])
async def trading_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A trading database the fake owns: a SQLite file, or a scratch PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'trading.db'}"
        return
    async with scratch_postgres_database() as url:
        yield url


@asynccontextmanager
async def trading_owner(url: str) -> AsyncIterator[FakeTradingDatabase]:
    """The trading database's writer (as the Java services are), with the tables created."""
    fake = FakeTradingDatabase(url)
    await fake.create()
    try:
        yield fake
    finally:
        await fake.aclose()


@pytest.fixture
async def owner(trading_db_url: str) -> AsyncIterator[FakeTradingDatabase]:
    async with trading_owner(trading_db_url) as fake:
        yield fake


@pytest.fixture
def reader_timeouts() -> dict[str, float]:
    """The reader's connect and query timeouts; a module reading long series asks for more."""
    return {"connect_timeout": 2, "query_timeout": 3}


@pytest.fixture
async def reader(
    owner: FakeTradingDatabase, reader_timeouts: dict[str, float]
) -> AsyncIterator[TradingDatabase]:
    """Our read-only reader of the owner's database."""
    db = TradingDatabase.connect(owner.url, **reader_timeouts)
    try:
        yield db
    finally:
        await db.aclose()


@pytest.fixture
async def fakes(backend_market: SimulatedMarket, tmp_path: Path) -> AsyncIterator[FakeBackends]:
    backends = FakeBackends(
        backend_market, trading_database_url=f"sqlite+aiosqlite:///{tmp_path / 'trading.db'}"
    )
    await backends.start()
    try:
        yield backends
    finally:
        await backends.stop()


def make_clients(fakes: FakeBackends, **overrides: Any) -> BackendClients:
    return BackendClients.from_settings(fakes.settings(**{**FAST_SETTINGS, **overrides}))


@pytest.fixture
async def clients(fakes: FakeBackends) -> AsyncIterator[BackendClients]:
    built = make_clients(fakes)
    try:
        yield built
    finally:
        await built.aclose()

"""Fixtures for the Binance tests: a frozen clock, the simulated market, the fake Binance on a free
port, an account on it and a client signed with that account's keys.

The clock is frozen so the prices the test reads from the market are the prices the fake served;
time moves only when a test calls `advance`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal

import pytest

from telegram_frontend.clients.binance.client import BinanceClient, BinanceCredentials
from telegram_frontend.sandbox.backends.market import SimulatedMarket
from telegram_frontend.sandbox.binance.server import FakeBinance

# Test modules take the fixtures with `from .binance_fixtures import *`.
__all__ = ["binance_client", "fake_binance", "frozen_clock", "keys", "market"]

START_BALANCES = {
    "USDT": Decimal("10000"),
    "BTC": Decimal("0.5"),
    "ETH": Decimal("2"),
}


class FrozenClock:
    """Wall clock and monotonic clock that move together, only when told to."""

    def __init__(self, start: float) -> None:
        self.now = start
        self.mono = 1000.0

    def __call__(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self.mono += seconds


@dataclass(frozen=True)
class Keys:
    api_key: str
    secret: str

    @property
    def credentials(self) -> BinanceCredentials:
        return BinanceCredentials.of(self.api_key, self.secret)


@pytest.fixture
def frozen_clock() -> FrozenClock:
    return FrozenClock(time.time())


@pytest.fixture
def market(frozen_clock: FrozenClock) -> SimulatedMarket:
    return SimulatedMarket(seed=11, clock=frozen_clock)


@pytest.fixture
async def fake_binance(market: SimulatedMarket) -> AsyncIterator[FakeBinance]:
    fake = FakeBinance(market)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
def keys(fake_binance: FakeBinance) -> Keys:
    api_key, secret = fake_binance.new_account(START_BALANCES)
    return Keys(api_key, secret)


def make_client(
    fake: FakeBinance, clock: FrozenClock, keys: Keys | None, **kwargs: object
) -> BinanceClient:
    kwargs.setdefault("testnet_hosts", ("127.0.0.1",))  # the fake stands in for the testnet
    return BinanceClient(
        fake.base_url,
        keys.credentials if keys else None,
        clock=clock,
        monotonic=clock.monotonic,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
async def binance_client(
    fake_binance: FakeBinance, frozen_clock: FrozenClock, keys: Keys
) -> AsyncIterator[BinanceClient]:
    client = make_client(fake_binance, frozen_clock, keys)
    try:
        yield client
    finally:
        await client.aclose()

"""A seeded simulated market shared by the fake backends and the fake Binance.

Prices are a pure function of (seed, symbol, time): smooth value noise at several time scales,
so any kline of any interval can be produced on demand in O(1) memory and every fake agrees on
the price at a given instant. Tests move prices on purpose with `shock`.
"""

from __future__ import annotations

import hashlib
import math
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

INTERVAL_MS: dict[str, int] = {
    "1m": 60_000,
    "3m": 180_000,
    "5m": 300_000,
    "15m": 900_000,
    "30m": 1_800_000,
    "1h": 3_600_000,
    "2h": 7_200_000,
    "4h": 14_400_000,
    "6h": 21_600_000,
    "12h": 43_200_000,
    "1d": 86_400_000,
}

DEFAULT_SYMBOLS: dict[str, Decimal] = {
    "BTCUSDT": Decimal("65000"),
    "ETHUSDT": Decimal("3200"),
    "BNBUSDT": Decimal("600"),
    "SOLUSDT": Decimal("150"),
}

# (period in minutes, amplitude as log-return): slow trend down to minute jitter.
_SCALES: tuple[tuple[float, float], ...] = (
    (4320.0, 0.06),
    (360.0, 0.02),
    (30.0, 0.006),
    (3.0, 0.0015),
)


@dataclass(frozen=True)
class Candle:
    """One kline: open time in ms, OHLC prices and base-asset volume."""

    symbol: str
    interval: str
    open_time: int
    close_time: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal


@dataclass
class SimulatedMarket:
    """Deterministic prices for a few symbols; `clock` returns Unix seconds."""

    seed: int = 7
    symbols: dict[str, Decimal] = field(default_factory=lambda: dict(DEFAULT_SYMBOLS))
    clock: Callable[[], float] = time.time
    _shocks: dict[str, list[tuple[float, float]]] = field(default_factory=dict)

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    def has(self, symbol: str) -> bool:
        return symbol.upper() in self.symbols

    def price(self, symbol: str, at_ms: int | None = None) -> Decimal:
        """The price of `symbol` at `at_ms` (default: now), rounded to its tick."""
        at = self.now_ms() if at_ms is None else at_ms
        return self._quantize(symbol, self._raw_price(symbol.upper(), at))

    def shock(self, symbol: str, pct: float, at_ms: int | None = None) -> None:
        """Move `symbol` by `pct` percent from `at_ms` (default now) onward."""
        at = self.now_ms() if at_ms is None else at_ms
        self._shocks.setdefault(symbol.upper(), []).append((at, math.log1p(pct / 100.0)))

    def change_24h_pct(self, symbol: str) -> Decimal:
        now = self.now_ms()
        before = self._raw_price(symbol.upper(), now - 86_400_000)
        after = self._raw_price(symbol.upper(), now)
        return Decimal(str(round((after / before - 1.0) * 100.0, 3)))

    def candle(self, symbol: str, interval: str, open_time: int) -> Candle:
        """The kline of `interval` that opens at `open_time` (aligned to the interval)."""
        sym = symbol.upper()
        span = INTERVAL_MS[interval]
        samples = [self._raw_price(sym, open_time + span * k // 8) for k in range(9)]
        close_at = min(open_time + span - 1, max(open_time, self.now_ms()))
        samples[-1] = self._raw_price(sym, close_at)
        vol = 10.0 + 90.0 * _unit(self.seed, sym + interval, open_time // span)
        return Candle(
            symbol=sym,
            interval=interval,
            open_time=open_time,
            close_time=open_time + span - 1,
            open=self._quantize(sym, samples[0]),
            high=self._quantize(sym, max(samples)),
            low=self._quantize(sym, min(samples)),
            close=self._quantize(sym, samples[-1]),
            volume=Decimal(str(round(vol * span / 60_000, 4))),
        )

    def klines(
        self,
        symbol: str,
        interval: str,
        limit: int = 500,
        start_ms: int | None = None,
        end_ms: int | None = None,
    ) -> list[Candle]:
        """Klines in time order, like Binance: from `start_ms`, or the last `limit` up to now."""
        span = INTERVAL_MS[interval]
        end = min(end_ms if end_ms is not None else self.now_ms(), self.now_ms())
        last_open = end - end % span
        if start_ms is not None:
            first = start_ms - start_ms % span + (span if start_ms % span else 0)
            opens = range(first, last_open + 1, span)
            return [self.candle(symbol, interval, t) for t in list(opens)[:limit]]
        first = last_open - span * (limit - 1)
        return [self.candle(symbol, interval, t) for t in range(first, last_open + 1, span)]

    def _raw_price(self, symbol: str, at_ms: int) -> float:
        base = float(self.symbols.get(symbol, Decimal("1")))
        minutes = at_ms / 60_000.0
        log_move = sum(
            amp * _smooth_noise(self.seed, symbol, minutes / period) for period, amp in _SCALES
        )
        log_move += sum(delta for when, delta in self._shocks.get(symbol, ()) if at_ms >= when)
        return base * math.exp(log_move)

    def _quantize(self, symbol: str, value: float) -> Decimal:
        base = self.symbols.get(symbol.upper(), Decimal("1"))
        tick = Decimal("0.01") if base >= 10 else Decimal("0.0001")
        return Decimal(repr(value)).quantize(tick, rounding=ROUND_HALF_UP)


def _unit(seed: int, key: str, index: int) -> float:
    """A reproducible pseudo-random number in [0, 1) for (seed, key, index)."""
    digest = hashlib.blake2b(f"{seed}:{key}:{index}".encode(), digest_size=8).digest()
    return struct.unpack(">Q", digest)[0] / 2**64


def _smooth_noise(seed: int, key: str, x: float) -> float:
    """Cosine-interpolated value noise in [-1, 1]: continuous, so prices never jump."""
    i = math.floor(x)
    frac = x - i
    a = _unit(seed, key, i) * 2 - 1
    b = _unit(seed, key, i + 1) * 2 - 1
    w = (1 - math.cos(frac * math.pi)) / 2
    return a * (1 - w) + b * w

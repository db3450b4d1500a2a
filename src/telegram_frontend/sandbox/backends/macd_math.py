"""MACD arithmetic for the fakes, in Decimal so every run gives the very same numbers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from telegram_frontend.sandbox.backends.market import Candle

QUANTUM = Decimal("0.00000001")


@dataclass(frozen=True)
class MacdPoint:
    """MACD of one candle: the EMAs, the MACD and signal lines and the histogram."""

    open_time: int
    close_time: int
    price: Decimal
    ema_fast: Decimal
    ema_slow: Decimal
    macd: Decimal
    signal: Decimal
    histogram: Decimal

    @property
    def strength(self) -> str:
        """A coarse label like the trader's `signalStrength`, relative to the price."""
        ratio = abs(self.histogram) / self.price if self.price else Decimal(0)
        if ratio >= Decimal("0.002"):
            return "STRONG"
        if ratio >= Decimal("0.0005"):
            return "MODERATE"
        return "WEAK" if ratio > 0 else "NONE"


def ema(values: Sequence[Decimal], period: int) -> list[Decimal]:
    """Exponential moving average seeded with the first value (as TA libraries do)."""
    if not values:
        return []
    k = Decimal(2) / (period + 1)
    out = [values[0]]
    for value in values[1:]:
        out.append(value * k + out[-1] * (1 - k))
    return out


def macd_points(candles: Sequence[Candle], fast: int, slow: int, signal: int) -> list[MacdPoint]:
    """One point per candle once the slow EMA has warmed up (earlier ones are noise)."""
    closes = [c.close for c in candles]
    fast_line, slow_line = ema(closes, fast), ema(closes, slow)
    macd_line = [f - s for f, s in zip(fast_line, slow_line, strict=True)]
    signal_line = ema(macd_line, signal)
    points = []
    for i, candle in enumerate(candles):
        if i < slow:
            continue
        points.append(
            MacdPoint(
                open_time=candle.open_time,
                close_time=candle.close_time,
                price=candle.close,
                ema_fast=fast_line[i].quantize(QUANTUM),
                ema_slow=slow_line[i].quantize(QUANTUM),
                macd=macd_line[i].quantize(QUANTUM),
                signal=signal_line[i].quantize(QUANTUM),
                histogram=(macd_line[i] - signal_line[i]).quantize(QUANTUM),
            )
        )
    return points

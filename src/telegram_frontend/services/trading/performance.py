"""Performance arithmetic over an equity curve, in Decimal and in one place.

The backend's own figures cover a strategy's whole life; users ask about "the last 7 days", so
P&L, win rate, drawdown and Sharpe for a period are computed here from portfolio snapshots.
"""

from __future__ import annotations

import enum
import itertools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
SECONDS_PER_YEAR = Decimal(365 * 86_400)


class Period(enum.StrEnum):
    DAY = "24h"
    WEEK = "7d"
    MONTH = "30d"
    ALL = "all"

    def start(self, now: datetime) -> datetime | None:
        """The first instant of the period ending `now`; None for all time."""
        days = {Period.DAY: 1, Period.WEEK: 7, Period.MONTH: 30}.get(self)
        return now - timedelta(days=days) if days else None


@dataclass(frozen=True)
class EquityPoint:
    at: datetime
    equity: Decimal


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    return (part * 100 / whole).quantize(CENT, ROUND_HALF_UP) if whole else None


def max_drawdown_pct(values: Sequence[Decimal]) -> Decimal | None:
    """The largest fall from a running peak, in percent of that peak (0.00 when it never fell)."""
    if not values:
        return None
    peak, worst = values[0], Decimal(0)
    for value in values:
        peak = max(peak, value)
        if peak > 0:
            worst = max(worst, (peak - value) / peak)
    return (worst * 100).quantize(CENT, ROUND_HALF_UP)


def sharpe_ratio(points: Sequence[EquityPoint]) -> Decimal | None:
    """Annualised Sharpe ratio (risk-free rate 0) of the returns between consecutive points.

    Snapshots are irregular, so returns are scaled by the median spacing of the points:
    sqrt(periods per year) * mean / sample standard deviation. None below 3 points or when the
    equity never moved (no risk, no ratio).
    """
    pairs = [(a, b) for a, b in itertools.pairwise(points) if a.equity > 0]
    if len(pairs) < 2:
        return None
    returns = [b.equity / a.equity - 1 for a, b in pairs]
    spacing = statistics.median((b.at - a.at).total_seconds() for a, b in pairs)
    if spacing <= 0:
        return None
    mean = sum(returns, Decimal(0)) / len(returns)
    variance = sum(((r - mean) ** 2 for r in returns), Decimal(0)) / (len(returns) - 1)
    if variance == 0:
        return None
    annualise = (SECONDS_PER_YEAR / Decimal(str(spacing))).sqrt()
    return (mean / variance.sqrt() * annualise).quantize(CENT, ROUND_HALF_UP)

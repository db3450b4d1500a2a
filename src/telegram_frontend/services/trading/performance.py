"""Performance arithmetic over an equity curve, in Decimal and in one place.

The backend's own figures cover a strategy's whole life; users ask about "the last 7 days", so
P&L, win rate, drawdown and Sharpe for a period are computed here from portfolio snapshots.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


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


@dataclass(frozen=True)
class Resampling:
    """A fixed return period and how many of them make a year (crypto trades every day)."""

    name: str  # "daily" | "hourly": what the figure says it was annualised from
    step: timedelta
    per_year: int
    min_returns: int


# Daily returns; hourly only when the history is too short for enough daily ones.
DAILY = Resampling("daily", timedelta(days=1), 365, 5)
HOURLY = Resampling("hourly", timedelta(hours=1), 365 * 24, 24)
SHARPE_BASES = (DAILY, HOURLY)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class SharpeGap(enum.StrEnum):
    """Why a period has no Sharpe ratio."""

    NOT_ENOUGH_DATA = "not_enough_data"  # fewer returns than the basis needs
    NO_VOLATILITY = "no_volatility"  # the equity never moved: no risk, no ratio


@dataclass(frozen=True)
class Sharpe:
    """An annualised Sharpe ratio (risk-free rate 0) with what it rests on, or why there is none.

    Every screen and the API show this one value, so a strategy's Sharpe reads the same
    everywhere, always with its basis (daily or hourly returns) beside it.
    """

    value: Decimal | None
    basis: Resampling | None = None
    returns: int = 0  # how many fixed-period returns it was computed from
    gap: SharpeGap | None = SharpeGap.NOT_ENOUGH_DATA

    @property
    def periods_per_year(self) -> int | None:
        return self.basis.per_year if self.basis else None


NO_SHARPE = Sharpe(None)


def closes(points: Sequence[EquityPoint], step: timedelta) -> list[Decimal]:
    """The last equity of every period from the first to the last, carried over empty ones."""
    last: dict[int, Decimal] = {}
    for point in sorted(points, key=lambda p: p.at):
        last[(point.at - _EPOCH) // step] = point.equity
    if not last:
        return []
    series: list[Decimal] = []
    current = last[min(last)]
    for index in range(min(last), max(last) + 1):
        current = last.get(index, current)
        series.append(current)
    return series


def sharpe(points: Sequence[EquityPoint]) -> Sharpe:
    """The Sharpe ratio of an equity curve, annualised from fixed-period returns.

    Snapshots come seconds to hours apart; annualising returns between them gives absurd
    figures (58,567.92 from one trade), so the equity is resampled to daily closes (hourly
    closes with hourly annualisation when there are too few days). Without enough returns, or
    when the equity never moved, there is no value and `gap` says why.
    """
    for basis in SHARPE_BASES:
        observed = len({(p.at - _EPOCH) // basis.step for p in points})
        if observed <= basis.min_returns:  # carried-over closes are not observations
            continue
        series = closes(points, basis.step)
        returns = [b / a - 1 for a, b in itertools.pairwise(series) if a > 0]
        if len(returns) >= basis.min_returns:
            break
    else:
        return NO_SHARPE
    mean = sum(returns, Decimal(0)) / len(returns)
    variance = sum(((r - mean) ** 2 for r in returns), Decimal(0)) / (len(returns) - 1)
    if variance == 0:
        return Sharpe(None, basis, len(returns), SharpeGap.NO_VOLATILITY)
    annualise = Decimal(basis.per_year).sqrt()
    value = (mean / variance.sqrt() * annualise).quantize(CENT, ROUND_HALF_UP)
    return Sharpe(value, basis, len(returns), None)

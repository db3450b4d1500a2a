"""Sharpe ratios from fixed-period returns: never annualised from seconds-apart snapshots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from telegram_frontend.services.trading.performance import (
    DAILY,
    HOURLY,
    EquityPoint,
    SharpeGap,
    closes,
    sharpe,
)

START = datetime(2026, 12, 1, tzinfo=UTC)


def _points(step: timedelta, equities: list[str]) -> list[EquityPoint]:
    return [EquityPoint(START + n * step, Decimal(e)) for n, e in enumerate(equities)]


def test_one_trade_between_snapshots_seconds_apart_gives_no_sharpe() -> None:
    # The acceptance run saw 58,567.92 from this kind of curve.
    points = _points(timedelta(seconds=10), ["10000", "10000", "10003", "10003", "10002.5"])
    assert sharpe(points).value is None


def test_daily_closes_carry_over_days_without_a_snapshot() -> None:
    points = [
        EquityPoint(START, Decimal(100)),
        EquityPoint(START + timedelta(hours=5), Decimal(101)),
        EquityPoint(START + timedelta(days=2, hours=1), Decimal(103)),
    ]
    assert closes(points, timedelta(days=1)) == [Decimal(101), Decimal(101), Decimal(103)]


def test_daily_returns_are_annualised_with_365_days() -> None:
    points = _points(timedelta(days=1), ["100", "101", "100", "102", "101", "103"])
    # returns 1%, -0.99%, 2%, -0.98%, 1.98%: mean / stdev * sqrt(365)
    result = sharpe(points)
    assert result.value == Decimal("7.65")
    assert (result.basis, result.returns, result.periods_per_year) == (DAILY, 5, 365)


def test_a_short_history_uses_hourly_returns_and_needs_a_day_of_them() -> None:
    few = _points(timedelta(hours=1), ["100", "101", "100", "102"])
    assert sharpe(few).value is None
    assert sharpe(few).gap is SharpeGap.NOT_ENOUGH_DATA
    day = _points(timedelta(hours=1), [str(100 + (n % 3)) for n in range(30)])
    assert sharpe(day).value is not None
    assert (sharpe(day).basis, sharpe(day).returns, sharpe(day).gap) == (HOURLY, 29, None)


def test_two_snapshots_a_day_apart_are_not_stretched_into_hourly_returns() -> None:
    points = _points(timedelta(days=1), ["10000", "10050"])
    assert sharpe(points).value is None


def test_an_equity_that_never_moved_has_no_ratio_and_says_why() -> None:
    flat = _points(timedelta(days=1), ["10000"] * 8)
    result = sharpe(flat)
    assert (result.value, result.basis, result.gap) == (None, DAILY, SharpeGap.NO_VOLATILITY)

"""Long equity curves: a month of one-minute snapshots (more rows than the reader returns) still
reaches the last snapshot, keeps the true peak and trough, and gives the same period figures as
the full series, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Column, DateTime, MetaData, Numeric, String, Table, insert, select

from telegram_frontend.clients.trading.backends import BackendClients
from telegram_frontend.clients.trading_db.reader import PortfolioSnapshot, TradingDatabase
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.sandbox.backends.trading_db import SNAPSHOTS, FakeTradingDatabase
from telegram_frontend.services.trading.performance import (
    DAILY,
    HOURLY,
    EquityPoint,
    Period,
    closes,
    max_drawdown_pct,
)
from telegram_frontend.services.trading.period_figures import equity_points, period_figures
from telegram_frontend.services.trading.service import TradingService

from .backend_fixtures import *  # noqa: F403 (the fixtures)

NOW = datetime(2025, 11, 12, 12, 0, tzinfo=UTC)
VIEWER = Actor(role=Role.VIEWER, user_id=7)
MINUTE = timedelta(minutes=1)
TICK = Decimal("0.0001")
PEAK, TROUGH, FINAL = Decimal("12345.6789"), Decimal("7654.3211"), Decimal("10321.1234")


@pytest.fixture
def reader_timeouts() -> dict[str, float]:
    """A month of one-minute rows takes longer to read than the default allows."""
    return {"connect_timeout": 5, "query_timeout": 10}


def _row(instance: str, index: int, at: datetime, balance: Decimal) -> dict[str, Any]:
    """A snapshot as the trader writes it (NOT NULL columns; the counters grow with time)."""
    return {
        "instance_id": instance,
        "strategy_name": f"MACD {instance}",
        "snapshot_time": at.astimezone(UTC).replace(tzinfo=None),
        "total_balance": balance,
        "available_balance": balance,
        "position_value": Decimal(0),
        "total_trades": index // 500,
        "winning_trades": index // 900,
        "total_realized_pnl": Decimal(index) / 100,
    }


def _walk(count: int, seed: int) -> list[Decimal]:
    """A noisy equity around 10,000 that never moves more than ~1% on its own."""
    rng = random.Random(seed)
    level = Decimal(10_000)
    values = []
    for _ in range(count):
        level += Decimal(rng.randint(-300, 300)) / 100
        level = min(max(level, Decimal(9_900)), Decimal(10_100))
        values.append((level + Decimal(rng.randint(-99, 99)) / 10_000).quantize(TICK))
    return values


async def _insert(
    owner: FakeTradingDatabase,
    instance: str,
    first: datetime,
    balances: list[Decimal],
    plant: Callable[[list[Decimal]], None] | None = None,
) -> list[PortfolioSnapshot]:
    """One snapshot a minute from `first`, in one executemany; returns the rows as inserted
    (with their ids), the oracle the reader's answers are checked against."""
    if plant is not None:
        plant(balances)
    rows = [_row(instance, i, first + i * MINUTE, b) for i, b in enumerate(balances)]
    t = SNAPSHOTS.c
    async with owner.engine.begin() as conn:
        await conn.execute(insert(SNAPSHOTS), rows)
        query = select(t.id).where(t.instance_id == instance).order_by(t.snapshot_time)
        ids = (await conn.execute(query)).scalars().all()
    assert len(ids) == len(rows)
    return [
        PortfolioSnapshot.model_validate({**row, "id": row_id})
        for row_id, row in zip(ids, rows, strict=True)
    ]


def _plant_month(balances: list[Decimal]) -> None:
    """A spike up on day 9, a crash on day 21 (neither on a bucket edge), a known last value."""
    balances[9 * 1440 + 7 * 60 + 13] = PEAK
    balances[21 * 1440 + 3 * 60 + 41] = TROUGH
    balances[-1] = FINAL


async def test_a_month_of_minutes_keeps_its_end_extremes_and_figures(
    owner: FakeTradingDatabase, reader: TradingDatabase
) -> None:
    instance = "steady-btc"
    first = NOW - timedelta(days=30, minutes=1)
    count = 30 * 1440 + 1  # 43,201 rows: more than twice the reader's bound
    full = await _insert(owner, instance, first, _walk(count, seed=11), _plant_month)
    last = full[-1]
    assert (last.snapshot_time, last.total_balance) == (NOW - MINUTE, FINAL)

    trading = TradingService(BackendClients(trading_db=reader), now=lambda: NOW)
    strategy_id = f"macd:{instance}"
    curve = await trading.equity_series(VIEWER, strategy_id, Period.MONTH)  # the chart's input
    assert len(curve) <= 20_000
    assert (curve[-1].at, curve[-1].equity) == (last.snapshot_time, FINAL)  # not after ~14 days
    assert curve[0].at == full[1].snapshot_time == NOW - timedelta(days=30)
    times = [p.at for p in curve]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert (max(p.equity for p in curve), min(p.equity for p in curve)) == (PEAK, TROUGH)

    shown = {}
    for period in (Period.MONTH, Period.ALL):
        start = period.start(NOW)
        before = [s for s in full if start is not None and s.snapshot_time <= start]
        in_period = [s for s in full if start is None or s.snapshot_time >= start]
        baseline = before[-1] if before else None
        expected = period_figures(instance, last.strategy_name, period, baseline, in_period, 0)
        shown[period] = await trading.strategy_performance(VIEWER, strategy_id, period)
        assert shown[period] == expected, period
        assert shown[period].end_equity == FINAL
        drawdown = (PEAK - TROUGH) * 100 / PEAK
        assert shown[period].max_drawdown_pct == drawdown.quantize(Decimal("0.01"))
        assert shown[period].sharpe.basis is DAILY and shown[period].sharpe.returns == 30
        assert shown[period].sharpe.value is not None
    [row] = (await trading.performance(VIEWER, Period.MONTH)).items  # /performance, digests
    assert row == shown[Period.MONTH]


def _plant_flash(balances: list[Decimal]) -> None:
    """One hour whose low, deepest fall and high are different rows, none its first or last:
    the low, then a fall from 13,000 to 9,100 (-30%, the deepest drawdown of the whole curve),
    then the high. Each survives the reduction only through its own rule."""
    hour = 40 * 60
    balances[hour + 5] = Decimal("9000.0000")  # the hour's low (-11% from the walk's top)
    balances[hour + 10] = Decimal("13000.0000")  # the peak of the fall
    balances[hour + 20] = Decimal("9100.0000")  # the trough of the fall: -30%
    balances[hour + 40] = Decimal("14000.0000")  # the hour's high; the walk's -29.3% after it
    # stays short of the fall, so only the 13,000 -> 9,100 pair gives -30%.


async def test_a_reduced_curve_keeps_closes_and_a_drawdown_inside_one_bucket(
    owner: FakeTradingDatabase, reader: TradingDatabase
) -> None:
    instance = "flash-eth"
    first = datetime(2025, 11, 1, 0, 0, 30, tzinfo=UTC)
    full = await _insert(owner, instance, first, _walk(3 * 1440, seed=5), _plant_flash)

    kept = await reader.snapshots(instance, limit=500)
    assert 100 < len(kept) <= 500
    assert [kept[0].id, kept[-1].id] == [full[0].id, full[-1].id]
    ids = [s.id for s in full]
    positions = [ids.index(s.id) for s in kept]
    assert positions == sorted(positions)  # a subsequence of the real rows, in time order
    all_points, kept_points = equity_points(full), equity_points(kept)
    values = [p.equity for p in kept_points]
    assert (min(values), max(values)) == (Decimal(9000), Decimal(14000))
    assert max_drawdown_pct(values) == max_drawdown_pct([p.equity for p in all_points])
    assert max_drawdown_pct(values) == Decimal("30.00")
    for basis in (DAILY, HOURLY):
        assert closes(kept_points, basis.step) == closes(all_points, basis.step)

    everything = await reader.snapshots(instance, limit=len(full))
    assert [s.id for s in everything] == ids  # within the bound: every row, as before


async def test_a_table_without_ids_is_reduced_the_same_way(trading_db_url: str) -> None:
    """An older backend's table with no `id` column: whole rows go through the ranking."""
    owner = FakeTradingDatabase(trading_db_url)
    first = datetime(2025, 11, 1, 0, 0, 30, tzinfo=UTC)
    balances = _walk(3 * 1440, seed=5)
    _plant_flash(balances)
    old = Table(
        "portfolio_snapshots",
        MetaData(),
        Column("instance_id", String(50)),
        Column("snapshot_time", DateTime),
        Column("total_balance", Numeric(20, 8)),
    )
    rows = [
        {
            "instance_id": "old",
            "snapshot_time": (first + i * MINUTE).replace(tzinfo=None),
            "total_balance": balance,
        }
        for i, balance in enumerate(balances)
    ]
    try:
        async with owner.engine.begin() as conn:
            await conn.run_sync(old.metadata.create_all)
            await conn.execute(insert(old), rows)
        reader = TradingDatabase.connect(owner.url)
        try:
            kept = await reader.snapshots("old", limit=500)
        finally:
            await reader.aclose()
    finally:
        await owner.aclose()
    assert 100 < len(kept) <= 500
    times = [s.snapshot_time for s in kept]
    assert times == sorted(times) and (times[0], times[-1]) == (first, first + 4319 * MINUTE)
    values = [s.total_balance for s in kept if s.total_balance is not None]
    assert (min(values), max(values)) == (Decimal(9000), Decimal(14000))
    assert max_drawdown_pct(values) == Decimal("30.00")
    all_points = [EquityPoint(first + i * MINUTE, b) for i, b in enumerate(balances)]
    for basis in (DAILY, HOURLY):
        assert closes(equity_points(kept), basis.step) == closes(all_points, basis.step)

"""How long a month of one-minute snapshots takes to read as an equity curve (milliseconds).

Run: `.venv/bin/python bench/equity_series.py [--strategies 3] [--days 30] [--runs 5]
[--backend sqlite|pg|both]`. Fills a trading database (a SQLite file, a scratch PostgreSQL
database) with one snapshot a minute per strategy, then times, median of the runs: the reduced
curve of one strategy (`TradingDatabase.snapshots`, 30d and all), /performance for 30d and all
(every strategy's figures, `TradingService.performance`), and the read before the fix (the first
20,000 rows, whole) for comparison. The last line is a one-line summary. Not a test: it prints
figures, it never fails.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select

from telegram_frontend.clients.trading.backends import BackendClients
from telegram_frontend.clients.trading_db.reader import PortfolioSnapshot, TradingDatabase
from telegram_frontend.clients.trading_db.tables import portfolio_snapshots
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.sandbox.backends.trading_db import (
    SNAPSHOTS,
    FakeTradingDatabase,
    scratch_postgres_database,
)
from telegram_frontend.services.trading.performance import Period
from telegram_frontend.services.trading.service import TradingService

NOW = datetime(2026, 11, 1, tzinfo=UTC)
VIEWER = Actor(role=Role.VIEWER, user_id=1)


def rows(instance: str, days: int, rng: random.Random) -> list[dict[str, Any]]:
    balance, out = 10_000.0, []
    start = (NOW - timedelta(days=days)).replace(tzinfo=None)
    for minute in range(days * 1440):
        balance += rng.gauss(0, 3)
        value = Decimal(f"{balance:.8f}")
        out.append(
            {
                "instance_id": instance,
                "strategy_name": instance,
                "snapshot_time": start + timedelta(minutes=minute),
                "total_balance": value,
                "available_balance": value,
                "position_value": Decimal(0),
                "total_trades": minute // 500,
                "winning_trades": minute // 900,
                "total_realized_pnl": Decimal(minute) / 100,
            }
        )
    return out


async def fill(url: str, strategies: int, days: int) -> list[str]:
    owner = FakeTradingDatabase(url)
    await owner.create()
    rng = random.Random(3)
    names = [f"macd-{n}" for n in range(strategies)]
    try:
        for name in names:
            async with owner.engine.begin() as conn:
                await conn.execute(insert(SNAPSHOTS), rows(name, days, rng))
    finally:
        await owner.aclose()
    return names


async def truncated(db: TradingDatabase, instance: str) -> list[PortfolioSnapshot]:
    """The read before the fix: the first 20,000 rows of the range, every column."""
    t = portfolio_snapshots.c
    query = (
        select(*portfolio_snapshots.columns)
        .where(t.instance_id == instance, t.snapshot_time >= NOW - timedelta(days=30))
        .order_by(t.snapshot_time, t.id)
        .limit(20_000)
    )
    async with db.engine.connect() as conn:
        found = (await conn.execute(query)).mappings().all()
    return [PortfolioSnapshot.model_validate(dict(r)) for r in found]


async def timed(runs: int, call: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    result = await call()  # warm: connections, column discovery
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        result = await call()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings), result


async def measure(label: str, url: str, args: argparse.Namespace) -> float:
    names = await fill(url, args.strategies, args.days)
    db = TradingDatabase.connect(url, connect_timeout=10, query_timeout=60)
    trading = TradingService(BackendClients(trading_db=db), now=lambda: NOW)
    first = names[0]
    month = NOW - timedelta(days=30)
    cases: dict[str, Callable[[], Awaitable[Any]]] = {
        "before the fix: first 20,000 rows, 30d": lambda: truncated(db, first),
        "snapshots 30d (one strategy)": lambda: db.snapshots(first, since=month, until=NOW),
        "snapshots all (one strategy)": lambda: db.snapshots(first),
        f"/performance 30d ({len(names)} strategies)": lambda: trading.performance(
            VIEWER, Period.MONTH
        ),
        f"/performance all ({len(names)} strategies)": lambda: trading.performance(
            VIEWER, Period.ALL
        ),
    }
    performance_ms = 0.0
    try:
        for name, call in cases.items():
            ms, result = await timed(args.runs, call)
            size = len(result.items) if hasattr(result, "items") else len(result)
            print(f"{label:10} {name:42} {ms:9.1f} {size:>7}")
            if name.startswith("/performance 30d"):
                performance_ms = ms
    finally:
        await db.aclose()
    return performance_ms


async def run(args: argparse.Namespace) -> None:
    print(f"load average {os.getloadavg()[0]:.1f}; {args.days} days × 1440 snapshots a strategy")
    print(f"{'backend':10} {'read':42} {'median ms':>9} {'rows':>7}")
    results: dict[str, float] = {}
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/trading.db"
            results["SQLite"] = await measure("sqlite", url, args)
    if args.backend in ("pg", "both"):
        async with scratch_postgres_database() as url:
            results["PostgreSQL"] = await measure("postgresql", url, args)
    figures = ", ".join(f"{name} {ms:.0f} ms" for name, ms in results.items())
    print(f"summary: /performance 30d, {args.strategies} strategies × {args.days} days: {figures}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strategies", type=int, default=3)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backend", choices=["sqlite", "pg", "both"], default="both")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()

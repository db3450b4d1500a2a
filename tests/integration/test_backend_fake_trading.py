"""The fake MACD trader really trades on the simulated market and writes the trading tables
the way the Java service does (verified facts: MARKET trades at executed_price 0, quantity in
position_value, NULL drawdown, no orders rows), so the frontend is tested against real shapes."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from telegram_frontend.sandbox.backends.market import SimulatedMarket
from telegram_frontend.sandbox.backends.trading_db import FakeTradingDatabase
from telegram_frontend.sandbox.backends.trading_system import FakeBackends

from .backend_fixtures import *  # noqa: F403 (the fixtures)
from .backend_fixtures import START, MarketClock


async def test_natural_signals_produce_trades_and_consistent_rows(
    trading_db_url: str, backend_market: SimulatedMarket, backend_clock: MarketClock
) -> None:
    fakes = FakeBackends(backend_market, trading_database_url=trading_db_url)
    await fakes.start()
    try:
        events = []
        for _ in range(40):
            events += await fakes.step()
            backend_clock.advance(3600)
        db = fakes.db
        assert db is not None
        decisions = await db.rows("trading_decision_logs")
        snapshots = await db.rows("portfolio_snapshots")
        analyses = await db.rows("strategy_analysis_events")
        orders = await db.rows("orders")
    finally:
        await fakes.stop()
    assert len(decisions) == len(snapshots) == len(analyses) == 80
    executed = [d for d in decisions if d["trade_executed"]]
    assert executed, "forty hours of ETH 1h MACD should cross at least once"
    assert len(executed) == len(events)
    assert orders == []  # the testnet instances never write `orders`
    for row in executed:  # MARKET orders: the response price is 0, the decision saw the market
        assert Decimal(str(row["executed_price"])) == 0
        assert Decimal(str(row["current_price"])) > 0
        assert row["order_id"] and row["trade_allowed"] is True
    not_executed = [d for d in decisions if not d["trade_executed"]]
    assert len(not_executed) > len(executed)
    assert all(d["decision_reason"] for d in decisions)
    blocked = [d for d in not_executed if d["blocked_reason"]]
    assert all(d["trade_allowed"] is False for d in blocked)
    eth = fakes.macd.instances["aggressive-eth"]
    last_eth = [s for s in snapshots if s["instance_id"] == "aggressive-eth"][-1]
    assert last_eth["total_trades"] == eth.total_trades
    assert Decimal(str(last_eth["total_realized_pnl"])) == eth.realized_pnl
    for snap in snapshots:
        assert Decimal(str(snap["position_value"])) == Decimal(str(snap["position_size"]))
        assert snap["current_drawdown"] is None and snap["unrealized_pnl"] is None
        assert snap["position_entry_price"] is None
        assert Decimal(str(snap["max_drawdown"])) >= 0
    assert Decimal(str(last_eth["max_drawdown"])) == eth.max_drawdown


async def test_the_same_seed_and_clock_give_the_same_trades() -> None:
    results = []
    for _ in range(2):
        clock = MarketClock(START)
        market = SimulatedMarket(seed=3, clock=clock)
        fakes = FakeBackends(market)  # no database: state only
        trades = []
        for _ in range(30):
            trades += [(e.instance_id, e.side, e.price) for e in await fakes.macd.step()]
            clock.advance(3600)
        results.append(trades)
    assert results[0] == results[1]
    assert results[0]


async def test_stop_loss_and_take_profit_close_positions(
    fakes: FakeBackends, backend_market: SimulatedMarket, backend_clock: MarketClock
) -> None:
    neutral = {"conservative-btc": "NEUTRAL"}
    [buy] = await fakes.step({"aggressive-eth": "BUY", **neutral})
    assert (buy.side, buy.quantity) == ("BUY", Decimal("0.05"))
    backend_clock.advance(60)
    backend_market.shock("ETHUSDT", -5)
    [loss] = await fakes.step({"aggressive-eth": "NEUTRAL", **neutral})
    assert (loss.side, loss.reason) == ("SELL", "Stop-loss triggered")
    await fakes.step({"aggressive-eth": "BUY", **neutral})
    backend_clock.advance(60)
    backend_market.shock("ETHUSDT", 10)
    [win] = await fakes.step({"aggressive-eth": "NEUTRAL", **neutral})
    assert win.reason == "Take-profit triggered"
    eth = fakes.macd.instances["aggressive-eth"]
    assert (eth.total_trades, eth.winning_trades) == (2, 1)
    assert fakes.macd.instance_json(eth)["winRate"] == Decimal("0.5")  # a fraction
    assert eth.max_drawdown > 0  # the stop-loss lost quote currency: an absolute amount
    assert fakes.macd.instance_json(eth)["maxDrawdown"] == eth.max_drawdown


async def test_a_second_buy_signal_is_blocked_by_the_open_position(fakes: FakeBackends) -> None:
    neutral = {"conservative-btc": "NEUTRAL"}
    await fakes.step({"aggressive-eth": "BUY", **neutral})
    assert await fakes.step({"aggressive-eth": "BUY", **neutral}) == []
    assert fakes.db is not None
    last = (await fakes.db.rows("trading_decision_logs"))[-1]
    assert last["instance_id"] == "aggressive-eth"
    assert (last["trade_allowed"], last["trade_executed"]) == (False, False)
    assert last["blocked_reason"] == "Active position exists"


async def test_test_order_mode_allows_but_never_executes(fakes: FakeBackends) -> None:
    fakes.macd.test_order_mode = True
    assert await fakes.step({"aggressive-eth": "BUY", "conservative-btc": "BUY"}) == []
    assert fakes.db is not None
    rows = await fakes.db.rows("trading_decision_logs")
    assert [(r["trade_allowed"], r["trade_executed"]) for r in rows] == [(True, False)] * 2
    assert all("not FILLED" in r["decision_reason"] for r in rows)


async def test_an_inactive_instance_does_not_trade_or_write(fakes: FakeBackends) -> None:
    fakes.macd.instances["conservative-btc"].active = False
    await fakes.step({"aggressive-eth": "NEUTRAL"})
    assert fakes.db is not None
    rows = await fakes.db.rows("trading_decision_logs")
    assert [r["instance_id"] for r in rows] == ["aggressive-eth"]


async def test_background_loop_steps_until_stopped(fakes: FakeBackends) -> None:
    fakes.start_background(interval_seconds=0.01)
    await asyncio.sleep(0.3)
    await fakes.stop_background()
    assert fakes.db is not None
    count = len(await fakes.db.rows("portfolio_snapshots"))
    assert count >= 2
    await asyncio.sleep(0.05)
    assert len(await fakes.db.rows("portfolio_snapshots")) == count


def test_the_standalone_command_prints_settings(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    db = f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}"
    process = subprocess.Popen(
        [sys.executable, "-m", "telegram_frontend.sandbox.backends.trading_system", "--db", db],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().strip() for _ in range(7)]
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
    settings = dict(line.split("=", 1) for line in lines)
    assert settings["TRADING_DATABASE_URL"] == db
    assert settings["MACD_TRADER_API_KEY"].startswith("btai_testnet_")
    urls = [settings[k] for k in settings if k.endswith("_URL") and k != "TRADING_DATABASE_URL"]
    assert len(urls) == len(set(urls)) == 5
    assert all(u.startswith("http://127.0.0.1:") for u in urls)


async def test_a_test_can_insert_exact_rows(trading_db_url: str) -> None:
    fake = FakeTradingDatabase(trading_db_url)
    await fake.create()
    try:
        trade_id = await fake.insert_trade(
            "conservative-btc", "BTCUSDT", "BUY", Decimal("65000.5"), Decimal("0.01"), START
        )
        snapshot_id = await fake.insert_snapshot("conservative-btc", START, Decimal("10000.25"))
        [row] = await fake.rows("trading_decision_logs")
        [snapshot] = await fake.rows("portfolio_snapshots")
    finally:
        await fake.aclose()
    assert (trade_id, snapshot_id) == (1, 1)
    assert row["trade_executed"] is True
    assert Decimal(str(row["executed_price"])) == 0  # MARKET
    assert Decimal(str(row["current_price"])) == Decimal("65000.5")
    assert Decimal(str(snapshot["total_balance"])) == Decimal("10000.25")

"""The trading service over the fake backends: strategies, start/stop and its records, trades,
positions and performance computed from rows we inserted ourselves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from telegram_frontend.clients.trading.backends import BackendClients
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.database import Database
from telegram_frontend.core.errors import (
    AlreadyInState,
    BackendUnsupported,
    NotFound,
    PermissionDenied,
)
from telegram_frontend.sandbox.backends.trading_system import FakeBackends
from telegram_frontend.services.admin.audit import AuditService
from telegram_frontend.services.trading.performance import Period
from telegram_frontend.services.trading.run_log import StrategyRunLog
from telegram_frontend.services.trading.service import TradingService

from .backend_fixtures import *  # noqa: F403 (the fixtures)
from .backend_fixtures import START

TRADER = Actor(role=Role.TRADER, user_id=42)
VIEWER = Actor(role=Role.VIEWER, user_id=7)
ADMIN = Actor(role=Role.ADMIN, user_id=1)
DAY = timedelta(days=1)


@dataclass
class Recorder:
    """Implements both recording protocols and keeps what it was told."""

    audits: list[tuple[str, str, str, str]] = field(default_factory=list)
    runs: list[tuple[Any, ...]] = field(default_factory=list)

    async def record(
        self,
        actor: Actor,
        action: str,
        target: str,
        result: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.audits.append((actor.label, action, target, result))

    async def started(
        self,
        actor: Actor,
        strategy_id: str,
        kind: str,
        parameters: dict[str, Any],
        risk_limits: dict[str, Any],
    ) -> None:
        self.runs.append(("started", strategy_id, kind, parameters, risk_limits))

    async def stopped(self, actor: Actor, strategy_id: str, outcome: str) -> None:
        self.runs.append(("stopped", strategy_id, outcome))


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def service(clients: BackendClients, recorder: Recorder) -> TradingService:
    return TradingService(clients, recorder, recorder, now=lambda: START)


def seeded_grid(fakes: FakeBackends) -> str:
    """The strategy id of the fake grid trader's seeded grid (a server-generated UUID)."""
    return f"grid:{next(iter(fakes.grid.strategies))}"


async def test_strategies_of_both_kinds_in_one_list(
    fakes: FakeBackends, service: TradingService
) -> None:
    grid_id = seeded_grid(fakes)
    listing = await service.list_strategies(VIEWER)
    assert listing.unavailable == []
    by_id = {s.id: s for s in listing.items}
    assert set(by_id) == {"macd:conservative-btc", "macd:aggressive-eth", grid_id}
    btc, grid = by_id["macd:conservative-btc"], by_id[grid_id]
    assert (btc.risk_level, btc.timeframe, btc.symbol) == ("LOW", "4h", "BTCUSDT")
    assert by_id["macd:aggressive-eth"].risk_level == "HIGH"
    assert btc.risk_limits == {
        "max_daily_loss_pct": "-2",
        "stop_loss_pct": "2",
        "take_profit_pct": "4",
    }
    assert btc.balance == Decimal(10000)
    assert not btc.can_start_stop
    assert btc.start_stop_note is not None
    assert "configuration" in btc.start_stop_note
    assert grid.can_start_stop
    assert grid.active is False
    assert (await service.get_strategy(VIEWER, grid_id)).parameters["levels"] == "5"
    bare_uuid = grid_id.removeprefix("grid:")
    assert (await service.get_strategy(VIEWER, bare_uuid)).id == grid_id
    assert (await service.get_strategy(VIEWER, "conservative-btc")).id == "macd:conservative-btc"


async def test_one_backend_down_leaves_the_rest_with_a_note(
    fakes: FakeBackends, service: TradingService
) -> None:
    await fakes.go_down("grid_trader")
    listing = await service.list_strategies(VIEWER)
    assert {s.kind.value for s in listing.items} == {"macd"}
    [note] = listing.unavailable
    assert note.service == "grid trader"
    assert "unavailable" in note.sentence
    await fakes.come_up("grid_trader")
    fakes.faults["macd_trader"].error_status = 500
    listing = await service.list_strategies(VIEWER)
    assert [s.id for s in listing.items] == [seeded_grid(fakes)]
    assert [n.service for n in listing.unavailable] == ["MACD trader"]


async def test_grid_start_and_stop_work_and_are_recorded(
    fakes: FakeBackends, service: TradingService, recorder: Recorder
) -> None:
    grid_id = seeded_grid(fakes)
    uuid = grid_id.removeprefix("grid:")
    started = await service.start_strategy(TRADER, grid_id)
    assert started.active is True
    assert fakes.grid.strategies[uuid].active is True
    with pytest.raises(AlreadyInState, match="already active"):  # the service answered 404
        await service.start_strategy(TRADER, grid_id)
    stopped = await service.stop_strategy(TRADER, grid_id)
    assert stopped.active is False
    assert fakes.grid.calls == [("activate", uuid), ("deactivate", uuid)]
    assert recorder.audits == [
        ("tg:42", "strategy.start", grid_id, "ok"),
        ("tg:42", "strategy.start", grid_id, "noop"),
        ("tg:42", "strategy.stop", grid_id, "ok"),
    ]
    assert recorder.runs[0][:3] == ("started", grid_id, "grid")
    assert recorder.runs[0][4] == {"daily_loss_limit_pct": "3", "max_position_size_quote": "500"}
    assert recorder.runs[1] == ("stopped", grid_id, "stopped")


async def test_macd_start_is_unsupported_and_recorded_as_such(
    fakes: FakeBackends, service: TradingService, recorder: Recorder
) -> None:
    with pytest.raises(BackendUnsupported) as error:
        await service.start_strategy(TRADER, "macd:conservative-btc")
    assert "change `active` in its configuration" in error.value.user_message
    assert recorder.audits == [("tg:42", "strategy.start", "macd:conservative-btc", "unsupported")]
    assert recorder.runs == []
    fakes.macd.control_endpoints = True  # a backend version that has the endpoint
    stopped = await service.stop_strategy(TRADER, "macd:conservative-btc")
    assert stopped.active is False
    assert stopped.can_start_stop
    assert recorder.runs == [("stopped", "macd:conservative-btc", "stopped")]


async def test_viewer_cannot_stop_strategy(
    fakes: FakeBackends, service: TradingService, recorder: Recorder
) -> None:
    with pytest.raises(PermissionDenied):
        await service.stop_strategy(VIEWER, "grid:1")
    assert fakes.grid.calls == []
    assert recorder.audits == [("tg:7", "strategy.stop", "grid:1", "denied")]


async def test_unknown_strategy_is_not_found_and_the_failure_recorded(
    service: TradingService, recorder: Recorder
) -> None:
    with pytest.raises(NotFound):
        await service.start_strategy(TRADER, "grid:99")
    with pytest.raises(NotFound):
        await service.start_strategy(TRADER, "macd:../../etc")
    assert [a[3] for a in recorder.audits] == ["failed", "failed"]


async def test_executed_trades_after_a_cursor_in_order_without_repeats(
    fakes: FakeBackends, service: TradingService
) -> None:
    db = fakes.db
    assert db is not None
    for minute in range(4):
        side = "BUY" if minute % 2 == 0 else "SELL"
        await db.insert_trade(
            "aggressive-eth", "ETHUSDT", side, Decimal(3200 + minute), Decimal("0.05"),
            START - timedelta(minutes=10 - minute),
        )  # fmt: skip
        await db.insert_decision(instance_id="aggressive-eth", trade_executed=False)
    first = await service.executed_trades(VIEWER, limit=3)
    second = await service.executed_trades(VIEWER, first.cursor, limit=3)
    trades = first.trades + second.trades
    assert [t.price for t in trades] == [Decimal(3200 + i) for i in range(4)]
    assert [t.side for t in trades] == ["BUY", "SELL", "BUY", "SELL"]
    assert {t.strategy_id for t in trades} == {"macd:aggressive-eth"}
    assert trades[0].quote_amount == Decimal("160.00")
    third = await service.executed_trades(VIEWER, second.cursor)
    assert third.trades == []
    assert third.cursor == second.cursor
    assert (await service.latest_trade_cursor(VIEWER)) == second.cursor


async def test_positions_are_latest_snapshots_with_a_position(
    fakes: FakeBackends, service: TradingService
) -> None:
    db = fakes.db
    assert db is not None
    await db.insert_snapshot(
        "conservative-btc", START - DAY, Decimal(10000), position_size=Decimal("0.01"),
        current_market_price=Decimal(61000),
    )  # fmt: skip
    await db.insert_snapshot(
        "conservative-btc", START, Decimal("10020.50"), position_size=Decimal("0.01"),
        current_market_price=Decimal("62050"),
    )  # fmt: skip
    await db.insert_snapshot(
        "aggressive-eth", START - DAY, Decimal(10000), symbol="ETHUSDT",
        position_size=Decimal("0.05"), current_market_price=Decimal(3000),
    )  # fmt: skip
    await db.insert_snapshot("aggressive-eth", START, Decimal(10010), symbol="ETHUSDT")
    [position] = await service.positions(VIEWER)
    assert position.strategy_id == "macd:conservative-btc"
    assert position.size == Decimal("0.01")
    assert position.unrealized_pnl is None  # the real writer leaves it (and the entry) NULL
    assert position.value == Decimal("620.50")  # size × market price, not `position_value`
    assert position.as_of == START
    curve = await service.equity_series(VIEWER, "macd:conservative-btc", Period.WEEK)
    assert [p.equity for p in curve] == [Decimal(10000), Decimal("10020.50")]


async def _eth_history(fakes: FakeBackends) -> None:
    db = fakes.db
    assert db is not None
    rows = [  # (days ago, balance, total trades, winning, realized)
        (8, "10000", 2, 1, "0"),
        (6, "10200", 3, 2, "200"),
        (5, "10200", 3, 2, "200"),
        (4, "10404", 4, 3, "404"),
        (3, "10404", 4, 3, "404"),
        (2, "9883.8", 5, 3, "-116.2"),
        (1, "10100", 5, 3, "100"),
    ]
    for days, balance, total, wins, realized in rows:
        await db.insert_snapshot(
            "aggressive-eth", START - days * DAY, Decimal(balance), symbol="ETHUSDT",
            total_trades=total, winning_trades=wins, total_realized_pnl=Decimal(realized),
        )  # fmt: skip
    for days in (8, 6, 4, 2):
        await db.insert_trade(
            "aggressive-eth", "ETHUSDT", "SELL", Decimal(3000), Decimal("0.05"), START - days * DAY
        )
    await db.insert_snapshot("conservative-btc", START - 2 * DAY, Decimal(10000))
    await db.insert_snapshot(
        "conservative-btc", START - DAY, Decimal(10050), total_trades=1, winning_trades=1
    )
    await db.insert_trade(
        "conservative-btc", "BTCUSDT", "BUY", Decimal(60000), Decimal("0.01"), START - DAY
    )


async def test_performance_over_a_week_from_known_rows(
    fakes: FakeBackends, service: TradingService
) -> None:
    await _eth_history(fakes)
    report = await service.performance(VIEWER, Period.WEEK)
    assert report.unavailable == []
    rows = {r.instance_id: r for r in report.items}
    eth = rows["aggressive-eth"]
    assert eth.trades == 3
    assert eth.win_rate == Decimal("66.67")
    assert eth.start_equity == Decimal(10000)
    assert eth.end_equity == Decimal(10100)
    assert eth.pnl == Decimal(100)
    assert eth.realized_pnl == Decimal(100)
    assert eth.return_pct == Decimal("1.00")
    assert eth.max_drawdown_pct == Decimal("5.00")
    assert eth.sharpe.value == Decimal("1.29")  # 7 daily returns (day 7 carries day 8), x sqrt(365)
    assert eth.backend_ranking is not None
    assert eth.backend_ranking.strategy_name == "MACD Aggressive ETH"
    btc = rows["conservative-btc"]
    assert (btc.trades, btc.win_rate, btc.pnl, btc.max_drawdown_pct) == (
        1,
        Decimal("100.00"),
        Decimal(50),
        Decimal("0.00"),
    )
    assert btc.sharpe.value is None  # two points: one return, no deviation
    day = {r.instance_id: r for r in (await service.performance(VIEWER, Period.DAY)).items}
    assert day["aggressive-eth"].pnl == 0  # its last snapshot is exactly 24 h old
    assert day["aggressive-eth"].trades == 0
    assert day["aggressive-eth"].win_rate is None
    assert day["aggressive-eth"].sharpe.value is None


async def test_performance_without_the_database_says_so(
    fakes: FakeBackends, service: TradingService
) -> None:
    service.clients.trading_db = None
    report = await service.performance(VIEWER, Period.ALL)
    assert {r.instance_id for r in report.items} == {"conservative-btc", "aggressive-eth"}
    assert all(r.pnl is None for r in report.items)
    [note] = report.unavailable
    assert note.service == "trading database"
    assert "TRADING_DATABASE_URL" in note.sentence


async def test_open_orders_and_analysis(fakes: FakeBackends, service: TradingService) -> None:
    await fakes.step(forced={"aggressive-eth": "BUY", "conservative-btc": "NEUTRAL"})
    assert await service.orders(VIEWER) == []  # the trader never writes `orders` on testnet
    assert fakes.db is not None
    await fakes.db.insert_order("ETHUSDT", "BUY", Decimal(3200), Decimal("0.05"), "ACTIVE")
    [order] = await service.orders(VIEWER)
    assert (order.symbol, order.side, order.status) == ("ETHUSDT", "BUY", "ACTIVE")
    events = await service.analysis_events(VIEWER, "macd:aggressive-eth")
    assert [e.signal_detected for e in events] == ["BUY"]


async def test_start_stop_recorded_by_the_real_audit_and_run_log(
    database: Database, clients: BackendClients
) -> None:
    audit, runs = AuditService(database), StrategyRunLog(database)
    service = TradingService(clients, audit, runs, now=lambda: START)
    [grid] = await clients.grid.strategies() if clients.grid else []
    grid_id = f"grid:{grid.id}"
    await service.start_strategy(TRADER, grid_id)
    with pytest.raises(BackendUnsupported):
        await service.stop_strategy(ADMIN, "macd:aggressive-eth")
    entries = await audit.recent(ADMIN)
    assert [(e.action, e.target, e.result) for e in entries] == [
        ("strategy.stop", "macd:aggressive-eth", "unsupported"),
        ("strategy.start", grid_id, "ok"),
    ]
    [run] = await runs.history(grid_id)
    assert (run.started_by, run.strategy_kind, run.outcome) == ("tg:42", "grid", "running")
    assert run.risk_limits["max_position_size_quote"] == "500"


def test_start_is_utc() -> None:
    assert START.tzinfo is not None
    assert isinstance(START, datetime)

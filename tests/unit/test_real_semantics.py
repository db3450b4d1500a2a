"""What the trading system's values really mean, read correctly (the verified facts)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from telegram_frontend.bot.features.strategy.callbacks import CardAction, StrategyCard
from telegram_frontend.bot.ui.callbacks import CALLBACK_DATA_LIMIT
from telegram_frontend.bot.ui.strategy_refs import strategy_id_of, strategy_ref
from telegram_frontend.clients.trading.macd import MacdInstance
from telegram_frontend.clients.trading_db.rows import DecisionLog, PortfolioSnapshot
from telegram_frontend.core.errors import NotFound
from telegram_frontend.services.trading.records import (
    StrategyKind,
    macd_view,
    parse_strategy_id,
    position_view,
    trade_view,
)
from telegram_frontend.services.trading.risk import drawdown_from_peak


@pytest.mark.parametrize(
    ("executed", "current", "shown"),
    [
        ("0", "65000.5", Decimal("65000.5")),  # a MARKET order's response price is 0
        (None, "65000.5", Decimal("65000.5")),
        ("64999", "65000.5", Decimal(64999)),  # a real fill price wins
    ],
)
def test_a_trade_is_priced_from_current_price_when_executed_price_is_0_or_null(
    executed: str | None, current: str, shown: Decimal
) -> None:
    row = DecisionLog.model_validate(
        {"executed_price": executed, "current_price": current, "executed_quantity": "0.01"}
    )
    assert row.price == shown
    assert trade_view(row).quote_amount == shown * Decimal("0.01")


def test_a_position_is_valued_size_times_market_price_not_position_value() -> None:
    snap = PortfolioSnapshot.model_validate(
        {
            "instance_id": "conservative-btc",
            "position_value": "0.01",  # the writer stores the quantity here
            "position_size": "0.01",
            "current_market_price": "65000",
            "position_entry_price": None,
            "unrealized_pnl": None,
        }
    )
    position = position_view(snap)
    assert position is not None
    assert (position.value, position.unrealized_pnl) == (Decimal(650), None)


def test_max_drawdown_is_absolute_usdt_with_the_percent_of_the_start() -> None:
    instance = MacdInstance.model_validate(
        {
            "instanceId": "conservative-btc",
            "maxDrawdown": 125,
            "winRate": "0.5",
            "totalProfit": "-100",
            "currentBalance": "9900",
            "totalTrades": 0,
        }
    )
    view = macd_view(instance, None)
    assert (view.drawdown, view.drawdown_pct) == (Decimal(125), Decimal("1.25"))
    assert view.win_rate == Decimal("50.00")  # a 0–1 fraction, shown as a percent


def test_drawdown_is_the_fall_from_the_balance_peak() -> None:
    assert drawdown_from_peak(Decimal(8400), Decimal(10500)) == (Decimal(2100), Decimal("20.00"))
    assert drawdown_from_peak(Decimal(10600), Decimal(10500)) == (Decimal(0), Decimal("0.00"))
    assert drawdown_from_peak(None, Decimal(1)) == (None, None)


def test_grid_uuid_ids_parse_and_fit_the_callback_limit() -> None:
    grid = str(uuid.uuid4())
    assert parse_strategy_id(f"grid:{grid}") == (StrategyKind.GRID, grid)
    assert parse_strategy_id(grid) == (StrategyKind.GRID, grid)  # a bare UUID is a grid
    assert parse_strategy_id("conservative-btc") == (StrategyKind.MACD, "conservative-btc")
    with pytest.raises(NotFound):
        parse_strategy_id("grid:../../actuator")
    ref = strategy_ref(f"grid:{grid}")
    assert strategy_id_of(ref) == f"grid:{grid}"  # travels readably, no server-side handle
    for action in CardAction:
        packed = StrategyCard(action=action, ref=ref).pack()
        assert len(packed.encode()) <= CALLBACK_DATA_LIMIT

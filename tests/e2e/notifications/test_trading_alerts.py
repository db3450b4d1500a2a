"""Alerts from the trading system, end to end: fake trading database and services → users.

A trade row, a drawdown breach and a service outage each reach the subscribed users once, with
the figures in the text; a follow-up about the same order replies to the first message.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from telegram_frontend.core.access import Role
from telegram_frontend.core.database import Database
from telegram_frontend.models import NotificationSettings
from telegram_frontend.services.notifications.worker_state import read_state
from telegram_frontend.workers.trade_poller import CURSOR_KEY
from tests.e2e.harness import World, running_world, wait_for
from tests.e2e.notifications.support import FAST_DELIVERY, bot_texts, subscribe

VIEWER, TRADER, ADMIN, MUTED, PENDING = 5001, 5002, 5003, 5004, 5005

FAST_WORKERS = {
    **FAST_DELIVERY,
    "TRADE_POLL_SECONDS": "0.1",
    "RISK_POLL_SECONDS": "0.1",
    "HEALTH_POLL_SECONDS": "0.2",
    "HEALTH_FLAP_POLLS": "2",
    "HTTP_RETRIES": "0",
    "HTTP_CONNECT_TIMEOUT": "0.5",
    "HTTP_READ_TIMEOUT": "0.5",
    "BREAKER_RESET_SECONDS": "0.3",
    "MONITORING_CACHE_SECONDS": "0",
}


@pytest.fixture
async def alert_world(
    settings_env: dict[str, str], trading_database_url: str
) -> AsyncIterator[World]:
    async with running_world(settings_env, trading_database_url, extra_env=FAST_WORKERS) as world:
        app = world.app
        await subscribe(app, [VIEWER])
        await subscribe(app, [TRADER], Role.TRADER)
        await subscribe(app, [ADMIN], Role.ADMIN)
        await subscribe(app, [MUTED])
        await subscribe(app, [PENDING], Role.PENDING)
        db = await app.frontend.container.get(Database)
        async with db.session() as session:
            session.add(NotificationSettings(user_id=MUTED, trades="off", risk="off"))
        yield world


async def test_an_executed_trade_reaches_every_subscriber_once_in_order(
    alert_world: World,
) -> None:
    app, trading = alert_world.app, alert_world.backends.db
    assert trading is not None
    db = await app.frontend.container.get(Database)

    async def poller_ready() -> bool:
        return bool((await read_state(db, CURSOR_KEY)).get("initialized"))

    await wait_for(poller_ready, what="the trade poller's first cursor")
    now = datetime.now(UTC)
    await trading.insert_decision(instance_id="aggressive-eth", trade_executed=False)
    await trading.insert_trade(
        "aggressive-eth",
        "ETHUSDT",
        "BUY",
        Decimal("3200.5"),
        Decimal("0.05"),
        now,
        strategy_name="MACD Aggressive ETH",
        order_id="ord-77",
    )
    await trading.insert_trade(
        "conservative-btc",
        "BTCUSDT",
        "BUY",
        Decimal("65000"),
        Decimal("0.01"),
        now + timedelta(seconds=1),
        strategy_name="MACD Conservative BTC",
        order_id="ord-78",
    )
    last_id = await trading.insert_trade(
        "aggressive-eth",
        "ETHUSDT",
        "SELL",
        Decimal("3360.25"),
        Decimal("0.05"),
        now + timedelta(seconds=2),
        strategy_name="MACD Aggressive ETH",
        order_id="ord-77",
        reason="take-profit hit",
    )
    for user in (VIEWER, TRADER, ADMIN):
        messages = await app.client.wait_for_bot_messages(user, count=3, timeout=15)
        texts = [m.text or "" for m in messages]
        assert texts[0].startswith("🟢 Trade executed: BUY ETHUSDT\n0.05 at 3,200.50 (160.03 USDT)")
        assert "Strategy: MACD Aggressive ETH (aggressive-eth)" in texts[0]
        assert "Order: ord-77" in texts[0]
        assert texts[1].startswith(
            "🟢 Trade executed: BUY BTCUSDT\n0.01 at 65,000.00 (650.00 USDT)"
        )
        assert texts[2].startswith(
            "🔴 Trade executed: SELL ETHUSDT\n0.05 at 3,360.25 (168.01 USDT)"
        )
        assert "Reason: take-profit hit" in texts[2]
        assert messages[2].reply_to_message_id == messages[0].message_id
        assert messages[1].reply_to_message_id is None

    async def cursor_at_last_trade() -> bool:
        return (await read_state(db, CURSOR_KEY)).get("id") == last_id

    await wait_for(cursor_at_last_trade, what="the cursor to pass the last trade")
    for user in (VIEWER, TRADER, ADMIN):
        assert len(await bot_texts(app, user)) == 3
    assert await bot_texts(app, MUTED) == []
    assert await bot_texts(app, PENDING) == []


PEAK = Decimal(10000)


async def _snapshot(world: World, instance: str, minute: int, drawdown: str) -> None:
    """A real-shaped snapshot (`current_drawdown` NULL) whose balance is `drawdown` percent
    below the instance's peak of 10000, which an earlier snapshot set."""
    assert world.backends.db is not None
    db, start = world.backends.db, datetime(2030, 1, 1, 12, tzinfo=UTC)
    if not [r for r in await db.rows("portfolio_snapshots") if r["instance_id"] == instance]:
        await db.insert_snapshot(
            instance, start - timedelta(hours=1), PEAK, strategy_name=f"Strategy {instance}"
        )
    await db.insert_snapshot(
        instance,
        start + timedelta(minutes=minute),
        PEAK * (1 - Decimal(drawdown) / 100),
        strategy_name=f"Strategy {instance}",
    )


async def test_a_drawdown_breach_alerts_once_and_again_only_after_it_recovered(
    alert_world: World,
) -> None:
    app = alert_world.app

    async def thread(count: int) -> list[str]:
        messages = await app.client.wait_for_bot_messages(VIEWER, count=count, timeout=15)
        return [m.text or "" for m in messages]

    await _snapshot(alert_world, "alpha", 0, "20")
    first = await thread(1)
    assert first[0].startswith(
        "🚨 Risk limit breached\nDrawdown of Strategy alpha (alpha) is 20.00%"
    )
    assert "beyond the limit of 15.00%" in first[0]
    await _snapshot(alert_world, "alpha", 1, "24")  # still breached: nothing new
    await _snapshot(alert_world, "beta", 1, "30")  # a second strategy proves a check ran after
    second = await thread(2)
    assert "Strategy beta (beta) is 30.00%" in second[1]
    await _snapshot(alert_world, "alpha", 2, "5")
    third = await thread(3)
    assert third[2].startswith("✅ Back within the risk limit\nDrawdown of Strategy alpha (alpha)")
    await _snapshot(alert_world, "alpha", 3, "16")
    fourth = await thread(4)
    assert "Strategy alpha (alpha) is 16.00%" in fourth[3]
    messages = await app.client.messages(VIEWER)
    alpha = [m for m in messages if "alpha" in (m.text or "")]
    first_id = alpha[0].message_id
    assert [m.reply_to_message_id for m in alpha] == [None, first_id, first_id]
    assert len(await bot_texts(app, VIEWER)) == 4
    assert await bot_texts(app, MUTED) == []


async def test_a_service_going_down_alerts_once_and_once_more_when_it_is_back(
    alert_world: World,
) -> None:
    app, backends = alert_world.app, alert_world.backends
    await backends.go_down("grid_trader")
    down = await app.client.wait_for_bot_messages(VIEWER, count=1, timeout=15)
    assert (down[0].text or "").startswith("🔴 grid trader is DOWN.")
    await backends.come_up("grid_trader")
    both = await app.client.wait_for_bot_messages(VIEWER, count=2, timeout=15)
    assert both[1].text == "🟢 grid trader is back UP."
    assert both[1].reply_to_message_id == both[0].message_id
    await backends.go_down("data_collection")  # a later outage proves the watcher kept polling
    later = await app.client.wait_for_bot_messages(VIEWER, count=3, timeout=15)
    assert (later[2].text or "").startswith("🔴 data collection is DOWN.")
    assert [m.text for m in later].count("🟢 grid trader is back UP.") == 1
    for user in (TRADER, ADMIN, MUTED):
        assert len(await app.client.wait_for_bot_messages(user, count=3, timeout=15)) >= 3

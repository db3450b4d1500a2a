"""Alerts from two deployments: each labelled with its deployment, routed to its own group, kept
apart from the other's (trade #1 of each arrives), muted per user, and never held up by the
other deployment being down."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from telegram_frontend.core.access import Actor, Role
from telegram_frontend.sandbox.backends.trading_system import FakeBackends
from telegram_frontend.services.notifications.preferences import NotificationPreferences
from telegram_frontend.services.notifications.types import NoticeType
from tests.e2e.deployments.support import FAST_WORKERS, pollers_started, two_deployments
from tests.e2e.harness import World
from tests.e2e.notifications.support import subscribe

VIEWER, MUTER = 7001, 7002
TESTNET_GROUP, MAINNET_GROUP, ALL_GROUP = -1007001, -1007002, -1007003
ADMIN = Actor(role=Role.ADMIN, user_id=1000, name="setup")


def mainnet(world: World) -> FakeBackends:
    assert world.sandbox.mainnet is not None
    return world.sandbox.mainnet.backends


async def trade(backends: FakeBackends, symbol: str, order_id: str) -> int:
    assert backends.db is not None
    return await backends.db.insert_trade(
        "conservative-btc",
        symbol,
        "BUY",
        Decimal("65000"),
        Decimal("0.01"),
        datetime.now(UTC),
        strategy_name="MACD Conservative BTC",
        order_id=order_id,
    )


async def test_each_deployments_trade_is_labelled_routed_to_its_group_and_mutable(
    fast_worlds: World,
) -> None:
    app = fast_worlds.app
    await subscribe(app, [VIEWER, MUTER])
    for chat, title in ((TESTNET_GROUP, "Testnet desk"), (MAINNET_GROUP, "Mainnet desk")):
        await app.client.register_chat(chat, chat_type="supergroup", title=title)
    await app.client.register_chat(ALL_GROUP, chat_type="supergroup", title="Everything")
    prefs = await app.frontend.container.get(NotificationPreferences)
    await prefs.set_route(ADMIN, NoticeType.TRADES, TESTNET_GROUP, deployment="testnet")
    await prefs.set_route(ADMIN, NoticeType.TRADES, MAINNET_GROUP, 5, deployment="mainnet")
    await prefs.set_route(ADMIN, NoticeType.TRADES, ALL_GROUP)
    muter = Actor(role=Role.VIEWER, user_id=MUTER, name="muter")
    assert (await prefs.set_muted(muter, "Mainnet", True)).muted_deployments == ("mainnet",)
    await pollers_started(fast_worlds)

    # the first trade of each deployment: the same id in both trading databases
    first_testnet = await trade(fast_worlds.backends, "BTCUSDT", "t-1")
    first_mainnet = await trade(mainnet(fast_worlds), "ETHUSDT", "m-1")
    assert first_testnet == first_mainnet

    texts = [m.text or "" for m in await app.client.wait_for_bot_messages(VIEWER, count=2)]
    by_deployment = {text.split("\n", 1)[0]: text for text in texts}
    assert set(by_deployment) == {"🧪 Testnet", "💰 Mainnet"}
    assert "\n🟢 Trade executed: BUY BTCUSDT\n" in by_deployment["🧪 Testnet"]
    assert "\n🟢 Trade executed: BUY ETHUSDT\n" in by_deployment["💰 Mainnet"]

    (testnet_post,) = await app.client.wait_for_bot_messages(TESTNET_GROUP)
    assert (testnet_post.text or "").startswith("🧪 Testnet\n🟢 Trade executed: BUY BTCUSDT")
    (mainnet_post,) = await app.client.wait_for_bot_messages(MAINNET_GROUP)
    assert (mainnet_post.text or "").startswith("💰 Mainnet\n🟢 Trade executed: BUY ETHUSDT")
    assert mainnet_post.message_thread_id == 5
    everything = await app.client.wait_for_bot_messages(ALL_GROUP, count=2)
    assert {(m.text or "").split("\n", 1)[0] for m in everything} == {"🧪 Testnet", "💰 Mainnet"}

    (heard,) = await app.client.wait_for_bot_messages(MUTER)
    assert (heard.text or "").startswith("🧪 Testnet\n")
    # a later mainnet trade still reaches the viewer, and still not the user who muted mainnet
    await trade(mainnet(fast_worlds), "BNBUSDT", "m-2")
    later = await app.client.wait_for_bot_messages(VIEWER, count=3)
    assert "BUY BNBUSDT" in (later[-1].text or "")
    assert [m.text for m in await app.client.messages(MUTER) if m.from_bot] == [heard.text]
    assert len(await app.client.wait_for_bot_messages(TESTNET_GROUP)) == 1


async def test_a_deployment_that_is_down_never_delays_the_others_alerts(
    settings_env: dict[str, str],
    trading_database_url: str,
    mainnet_trading_database_url: str,
    tmp_path: Path,
) -> None:
    # Calls may wait 20 s for an answer: a poller stuck behind mainnet's silent services would
    # be late by that much at every round.
    env = {**FAST_WORKERS, "HTTP_CONNECT_TIMEOUT": "1", "HTTP_READ_TIMEOUT": "20"}
    async with two_deployments(
        settings_env, trading_database_url, mainnet_trading_database_url, tmp_path, env
    ) as world:
        app = world.app
        await subscribe(app, [VIEWER])
        await pollers_started(world)
        for service in mainnet(world).servers:
            await mainnet(world).apply_fault(service, "slow", 60.0)

        started = time.monotonic()
        await world.backends.go_down("macd_trader")
        await trade(world.backends, "BTCUSDT", "t-9")
        arrived = await app.client.wait_for_bot_messages(VIEWER, count=2, timeout=15)
        elapsed = time.monotonic() - started
        texts = sorted(m.text or "" for m in arrived)
        assert texts[0].startswith("🧪 Testnet\n🔴 MACD trader is DOWN.")
        assert texts[1].startswith("🧪 Testnet\n🟢 Trade executed: BUY BTCUSDT")
        assert elapsed < 10, f"testnet's alerts took {elapsed:.1f} s behind a silent mainnet"

        # mainnet's trading database still answers: its trades are not held up by its services
        await trade(mainnet(world), "ETHUSDT", "m-9")
        (mainnet_trade,) = await app.client.wait_for_bot_messages(
            VIEWER, after_message_id=max(m.message_id for m in arrived), timeout=5
        )
        assert (mainnet_trade.text or "").startswith("💰 Mainnet\n🟢 Trade executed: BUY ETHUSDT")
        for service in mainnet(world).servers:
            await mainnet(world).apply_fault(service, "clear")

"""/strategy and /performance through the emulator: cards per role, confirmed start/stop, expiry."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pyotp
import pytest
from sqlalchemy import select

from telegram_frontend.bot.features.strategy.callbacks import (
    CardAction,
    StrategyCard,
    StrategyConfirm,
)
from telegram_frontend.core.access import SYSTEM, Actor, Role
from telegram_frontend.core.database import Database
from telegram_frontend.models import AuditLog, TradingSession
from telegram_frontend.sandbox.backends.grid_trader import SEEDED_GRID_ID
from telegram_frontend.services.account.credentials import CredentialsService
from telegram_frontend.services.admin.system_config import ConfigService
from tests.e2e.crafted_presses import press_any
from tests.e2e.harness import Chat, World, running_world, text_of

VIEWER_ID, TRADER_ID = 801, 802
GRID = f"grid:{SEEDED_GRID_ID}"
GRID_NAME = f"Grid BTCUSDT {SEEDED_GRID_ID[:8]}"
EXPIRED = "This confirmation expired. Please start the action again."
MACD_CANNOT = (
    "ℹ️ The MACD trader cannot start or stop a strategy instance: this backend version has no "
    "such endpoint; change `active` in its configuration and restart it."
)
TTL_S = 5  # the smallest CONFIRMATION_TTL_SECONDS the settings accept


@pytest.fixture
async def world(settings_env: dict[str, str], trading_database_url: str) -> AsyncIterator[World]:
    extra = {"CONFIRMATION_TTL_SECONDS": str(TTL_S), "RATE_LIMIT_PER_MINUTE": "1000"}
    async with running_world(settings_env, trading_database_url, extra_env=extra) as running:
        yield running


def labels(message: object) -> list[str]:
    return [b["text"] for row in getattr(message, "buttons", []) for b in row]


async def rows_of(world: World, model: type) -> list:  # type: ignore[type-arg]
    db = await world.app.frontend.container.get(Database)
    async with db.session() as session:
        return list(await session.scalars(select(model).order_by(model.id)))  # type: ignore[attr-defined]


async def forced_press(world: World, chat: Chat, message_id: int, data: str) -> str | None:
    """Press data that is not (or no longer) on the message, as a crafted client would."""
    return (await press_any(world.app.emulator.base_url, chat.user_id, message_id, data)).text


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
async def test_viewer_sees_the_list_and_cards_without_controls(world: World) -> None:
    await world.backends.step({"conservative-btc": "BUY"})
    viewer = await world.app.user_with_role(VIEWER_ID, Role.VIEWER)
    [listing] = await viewer.send("/strategy")
    assert (listing.text or "").split("\n") == [
        "Strategies (3)",
        "Tap a strategy to open its card.",
        "🟢 MACD Conservative BTC — BTCUSDT 4h, active, P&L 0.00",
        "🟢 MACD Aggressive ETH — ETHUSDT 1h, active, P&L 0.00",
        f"⏸ {GRID_NAME} — BTCUSDT 1h, stopped",
    ]
    assert labels(listing) == [
        "🟢 MACD Conservative BTC",
        "🟢 MACD Aggressive ETH",
        f"⏸ {GRID_NAME}",
    ]
    opened = await viewer.press("🟢 MACD Conservative BTC")
    assert opened.answer.text == "Opened" and opened.edited is not None
    card = (opened.edited.text or "").split("\n")
    assert card[:5] == [
        "🟢 MACD Conservative BTC",
        "macd:conservative-btc · BTCUSDT 4h · active",
        "Risk level: LOW",
        "Parameters: fast period 12, slow period 26, signal period 9, position size 0.01",
        "Risk limits: max daily loss pct -2, stop loss pct 2, take profit pct 4",
    ]
    assert "Balance: 10,000.00 USDT" in card
    # The week's figures are /performance's own row (one BUY executed, one snapshot so far).
    week = card[card.index("Last 7 days, as on /performance:") :]
    assert week[1:2] == ["Trades: 1"]
    assert "Sharpe ratio: not enough data yet (5 daily or 24 hourly returns needed)" in week
    assert any(line.startswith("Last signal: BUY at ") for line in card)
    assert not any("cannot start or stop" in line for line in card)  # viewers get no controls
    assert labels(opened.edited) == ["🔄 Refresh", "📈 Chart", "◀ All strategies"]
    again = await viewer.press("🔄 Refresh")
    assert again.answer.text == "Up to date"

    chart = await viewer.press("📈 Chart")
    [photo] = chart.new_messages
    assert photo.photo and photo.caption == "Equity of macd:conservative-btc, last 7 days"

    grid = text_of(await viewer.send(f"/strategy {GRID}"))
    assert grid.split("\n")[:2] == [f"⏸ {GRID_NAME}", f"{GRID} · BTCUSDT 1h · stopped"]
    assert labels(viewer.last[-1]) == ["🔄 Refresh", "◀ All strategies"]
    refused = await forced_press(
        world,
        viewer,
        viewer.last[-1].message_id,
        StrategyCard(action=CardAction.START, ref="g" + SEEDED_GRID_ID).pack(),
    )
    assert refused == "This needs the trader role; you are viewer."
    assert world.backends.grid.calls == []


async def test_trader_starts_and_stops_a_grid_strategy_but_not_a_macd_one(world: World) -> None:
    trader = await world.app.user_with_role(TRADER_ID, Role.TRADER)
    await trader.send(f"/strategy {GRID}")
    assert labels(trader.last[-1]) == ["▶️ Start", "🔄 Refresh", "◀ All strategies"]
    asked = await trader.press("▶️ Start")
    [question] = asked.new_messages
    assert question.text == (
        f"⚠️ Start the strategy {GRID_NAME} ({GRID})?\nThis confirmation expires in {TTL_S} s."
    )
    assert labels(question) == ["✅ Start", "✖️ Cancel"]
    assert world.backends.grid.calls == []  # nothing happens before the confirmation

    done = await trader.press("✅ Start")
    assert done.answer.text == "Started"
    assert done.edited is not None
    assert done.edited.text == f"✅ Started {GRID_NAME}. It is now active."
    assert world.backends.grid.calls == [("activate", SEEDED_GRID_ID)]
    replay = await forced_press(
        world, trader, question.message_id, question.button_data("✅ Start")
    )
    assert replay == EXPIRED
    assert world.backends.grid.calls == [("activate", SEEDED_GRID_ID)]

    await trader.send(f"/strategy {GRID}")
    assert labels(trader.last[-1]) == ["⏹ Stop", "🔄 Refresh", "◀ All strategies"]
    await trader.press("⏹ Stop")
    stopped = await trader.press("✅ Stop")
    assert stopped.edited is not None
    assert stopped.edited.text == f"✅ Stopped {GRID_NAME}. It is now stopped."
    assert world.backends.grid.calls == [
        ("activate", SEEDED_GRID_ID),
        ("deactivate", SEEDED_GRID_ID),
    ]

    audit = [(a.actor, a.action, a.target, a.result) for a in await rows_of(world, AuditLog)]
    assert audit[-2:] == [
        (f"tg:{TRADER_ID}", "strategy.start", GRID, "ok"),
        (f"tg:{TRADER_ID}", "strategy.stop", GRID, "ok"),
    ]
    [run] = await rows_of(world, TradingSession)
    assert (run.strategy_id, run.started_by, run.stopped_by, run.outcome) == (
        GRID,
        f"tg:{TRADER_ID}",
        f"tg:{TRADER_ID}",
        "stopped",
    )
    assert run.parameters["levels"] == "5"

    card = text_of(await trader.send("/strategy macd:aggressive-eth"))
    assert card.split("\n")[-1] == MACD_CANNOT  # a sentence, not a dead button
    assert "▶️ Start" not in labels(trader.last[-1]) and "⏹ Stop" not in labels(trader.last[-1])
    data = StrategyCard(action=CardAction.STOP, ref="maggressive-eth").pack()
    await forced_press(world, trader, trader.last[-1].message_id, data)
    told = await world.app.client.wait_for_bot_messages(
        TRADER_ID, after_message_id=trader.last[-1].message_id
    )
    assert text_of(told) == MACD_CANNOT
    assert world.backends.macd.instances["aggressive-eth"].active is True


async def test_a_repeated_start_says_already_active(world: World) -> None:
    trader = await world.app.user_with_role(TRADER_ID, Role.TRADER)
    await trader.send(f"/strategy {GRID}")
    await trader.press("▶️ Start")
    world.backends.grid.strategies[SEEDED_GRID_ID].active = True  # started elsewhere meanwhile
    done = await trader.press("✅ Start")
    assert done.answer.text == "Nothing to change"
    assert done.edited is not None
    assert done.edited.text == f"ℹ️ Grid strategy BTCUSDT {SEEDED_GRID_ID} is already active."
    assert world.backends.grid.calls == []  # the grid trader answered 404: nothing switched
    audit = [(a.action, a.target, a.result) for a in await rows_of(world, AuditLog)]
    assert audit[-1] == ("strategy.start", GRID, "noop")


async def test_crafted_tokens_and_cancel_do_nothing(world: World) -> None:
    trader = await world.app.user_with_role(TRADER_ID, Role.TRADER)
    await trader.send(f"/strategy {GRID}")
    [question] = (await trader.press("▶️ Start")).new_messages
    crafted = StrategyConfirm(token="AAAAAAAAAAAA", ok=True).pack()
    assert await forced_press(world, trader, question.message_id, crafted) == EXPIRED
    assert labels(question) == ["✅ Start", "✖️ Cancel"]  # the real confirmation still stands

    cancelled = await trader.press("✖️ Cancel")
    assert cancelled.answer.text == "Cancelled"
    assert cancelled.edited is not None
    assert cancelled.edited.text == "Cancelled; nothing was changed."
    assert await forced_press(
        world, trader, question.message_id, question.button_data("✅ Start")
    ) == (EXPIRED)
    assert world.backends.grid.calls == []
    assert not [a for a in await rows_of(world, AuditLog) if a.action.startswith("strategy.")]


@pytest.mark.parametrize("backend", ["pg"], indirect=True)  # Redis keeps the production TTL
async def test_a_confirmation_expires_after_its_ttl(world: World) -> None:
    trader = await world.app.user_with_role(TRADER_ID, Role.TRADER)
    await trader.send(f"/strategy {GRID}")
    await trader.press("▶️ Start")
    await asyncio.sleep(TTL_S + 0.5)  # the token's time-to-live is the thing under test
    late = await trader.press("✅ Start")
    assert late.answer.text == EXPIRED
    assert late.edited is not None and late.edited.text == f"⌛ {EXPIRED}"
    assert world.backends.grid.calls == []


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
async def test_performance_ranks_strategies_for_a_period(world: World) -> None:
    db = world.backends.db
    assert db is not None
    now = datetime.now(UTC)
    for hours, balance, trades, wins in ((48, 10000, 0, 0), (24, 10100, 2, 1), (1, 10050, 3, 2)):
        await db.insert_snapshot(
            "alpha-sol",
            now - timedelta(hours=hours),
            Decimal(balance),
            total_trades=trades,
            winning_trades=wins,
        )
    for hours in (30, 2):
        at = now - timedelta(hours=hours)
        await db.insert_trade("alpha-sol", "SOLUSDT", "BUY", Decimal(150), Decimal(1), at)
    viewer = await world.app.user_with_role(VIEWER_ID, Role.VIEWER)
    text = text_of(await viewer.send("/performance"))
    table = text.split("\n")
    assert table[0] == "🏆 Performance, last 7 days"
    assert table[1].split() == ["#", "Strategy", "Trades", "Win", "P&L", "DD", "Sharpe"]
    assert table[2].split()[:6] == ["1", "alpha-sol", "2", "66.67%", "+50.00", "0.50%"]
    assert any(line.split()[:3] == ["Total", "2", "+50.00"] for line in table)
    assert table[2].split()[-1] == "—"  # two snapshots are not enough for a Sharpe ratio
    assert "Sharpe is annualised from daily returns" in text
    assert "— means not enough data yet or an equity that did not move." in text
    assert "Trades = executed trades in the period." in text
    assert labels(viewer.last[-1]) == ["24h", "• 7d", "30d", "All", "📊 Chart"]

    day = await viewer.press("24h")
    assert day.edited is not None
    day_lines = (day.edited.text or "").split("\n")
    assert day_lines[0] == "🏆 Performance, last 24 hours"
    assert day_lines[2].split()[:6] == ["1", "alpha-sol", "1", "100.00%", "-50.00", "0.50%"]

    chart = await viewer.press("📊 Chart")
    [photo] = chart.new_messages
    assert photo.photo
    assert photo.caption == "Strategies compared, last 24 hours\nBest: alpha-sol -50.00 USDT"

    bad = text_of(await viewer.send("/performance 1y"))
    assert bad == "Unknown period “1y”. Use one of: 24h, 7d, 30d, all."


async def test_a_stop_asks_for_the_totp_code_when_two_factor_is_required(world: World) -> None:
    trader = await world.app.user_with_role(TRADER_ID, Role.TRADER)
    actor = Actor(role=Role.TRADER, user_id=TRADER_ID, name="t")
    container = world.app.frontend.container
    credentials = await container.get(CredentialsService)
    setup = await credentials.begin_totp(actor)
    totp = pyotp.TOTP(setup.secret)
    await credentials.confirm_totp(actor, totp.now())
    await (await container.get(ConfigService)).set(SYSTEM, "security.totp_for_actions", "on")
    world.backends.grid.strategies[SEEDED_GRID_ID].active = True

    await trader.send(f"/strategy {GRID}")
    asked = await trader.press("⏹ Stop")
    [question] = asked.new_messages
    assert "Two-factor is required" in (question.text or "") and not labels(question)
    [wrong] = await trader.send("000000")
    assert "not valid" in (wrong.text or "")
    assert world.backends.grid.calls == []
    await trader.send(f"/strategy {GRID}")
    await trader.press("⏹ Stop")
    [done] = await trader.send(totp.at(time.time() + totp.interval))
    assert done.text == f"✅ Stopped {GRID_NAME}. It is now stopped."
    assert world.backends.grid.calls == [("deactivate", SEEDED_GRID_ID)]


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
async def test_a_403_from_the_macd_trader_names_the_key_role_needed(world: World) -> None:
    world.backends.faults["macd_trader"].reject_key = True
    viewer = await world.app.user_with_role(VIEWER_ID, Role.VIEWER)
    text = text_of(await viewer.send("/strategy"))
    assert "refused our request (HTTP 403)" in text
    assert "set MACD_TRADER_API_KEY to a key with the ADMIN role" in text
    assert "rejected" not in text
    assert f"⏸ {GRID_NAME} — BTCUSDT 1h, stopped" in text  # the grid still lists


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
async def test_unknown_strategies_are_named_in_safe_quotes_not_python_reprs(world: World) -> None:
    viewer = await world.app.user_with_role(VIEWER_ID, Role.VIEWER)
    unknown_grid = "0b6e2a4c-1f4d-4c39-9d3e-5a8f7c2b1e90"
    assert text_of(await viewer.send("/strategy macd:nope")) == (
        "There is no MACD strategy instance “nope”."
    )
    assert text_of(await viewer.send(f"/strategy grid:{unknown_grid}")) == (
        f"There is no grid strategy “{unknown_grid}”."
    )
    bidi = text_of(await viewer.send("/strategy macd:\u202eevil\u2066"))
    assert bidi == "There is no strategy “macd:evil”."

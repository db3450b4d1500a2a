"""/portfolio and /positions through the emulator: values to the cent from the fake exchange's
prices, dust folded, the strategies' balances, the allocation chart, and clear sentences when
Binance refuses or is not configured while the rest is still shown."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from telegram_frontend.core.access import Role
from telegram_frontend.core.formatters import money, pct
from telegram_frontend.sandbox.world import SANDBOX_BALANCES
from tests.conftest import Backend
from tests.e2e.account_helpers import freeze_market
from tests.e2e.harness import World, running_world, text_of


@pytest.fixture
def settings_env(settings_env: dict[str, str]) -> dict[str, str]:
    """A roomy per-user rate limit: these tests talk a lot within one minute."""
    return {**settings_env, "RATE_LIMIT_PER_MINUTE": "1000"}


CENT = Decimal("0.01")
PAIRS = {"BTC": "BTCUSDT", "ETH": "ETHUSDT", "BNB": "BNBUSDT"}


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def expected_values(world: World) -> dict[str, Decimal]:
    """Unrounded USDT value of each sandbox balance at the fake's (frozen) prices."""
    values = {"USDT": SANDBOX_BALANCES["USDT"]}
    for asset, symbol in PAIRS.items():
        values[asset] = SANDBOX_BALANCES[asset] * world.market.price(symbol)
    return values


async def test_portfolio_values_match_the_exchange_prices_to_the_cent(world: World) -> None:
    freeze_market(world)
    values = expected_values(world)
    total = sum(values.values(), Decimal(0))
    viewer = await world.app.user_with_role(71001, Role.VIEWER)

    text = text_of(await viewer.send("/portfolio"))

    assert "Portfolio · the system Binance account" in text
    for asset in ("USDT", "BTC", "ETH"):
        row = next(line for line in text.splitlines() if line.startswith(asset + " "))
        assert money(cents(values[asset])) in row, row
        assert pct(cents(values[asset] / total * 100)) in row, row
    assert f"Total: {money(cents(total))} USDT" in text
    dust = f"Dust (BNB, each below 1.00 USDT): {money(cents(values['BNB']))} USDT"
    assert dust in text
    assert not any(line.startswith("BNB ") for line in text.splitlines())
    assert "Strategies' virtual balances" in text
    assert "conservative-btc" in text and "aggressive-eth" in text
    assert "Total: 20,000.00 USDT" in text


async def test_the_allocation_button_sends_the_chart(world: World) -> None:
    freeze_market(world)
    total = cents(sum(expected_values(world).values(), Decimal(0)))
    viewer = await world.app.user_with_role(71002, Role.VIEWER)
    shown = await viewer.send("/portfolio")

    await viewer.press("📊 Allocation")
    [photo] = await world.app.client.wait_for_bot_messages(
        71002, after_message_id=shown[-1].message_id
    )
    assert photo.photo
    assert photo.caption == f"Allocation of the system Binance account: {money(total)} USDT"
    png = await world.app.client.download(photo.photo[-1]["file_id"])
    assert png.startswith(b"\x89PNG")


async def test_a_refused_key_is_a_sentence_and_the_strategies_are_still_shown(
    world: World,
) -> None:
    world.binance.fail_next(
        401, -2015, "Invalid API-key, IP, or permissions for action.", path="/api/v3/account"
    )
    viewer = await world.app.user_with_role(71003, Role.VIEWER)

    text = text_of(await viewer.send("/portfolio"))

    assert (
        "Binance balances are not available: Binance rejected the API key or its permissions."
        in text
    )
    assert "Add your own API keys in /config" in text
    assert "Strategies' virtual balances" in text and "conservative-btc" in text
    assert "Invalid API-key" not in text


async def test_without_binance_keys_the_portfolio_says_so(
    settings_env: dict[str, str], trading_database_url: str, backend: Backend, tmp_path: Path
) -> None:
    async with running_world(
        settings_env, trading_database_url, extra_env={"BINANCE_API_KEY": None}
    ) as world:
        viewer = await world.app.user_with_role(71004, Role.VIEWER)
        text = text_of(await viewer.send("/portfolio"))
    assert "No Binance API key is configured for this account." in text
    assert "Strategies' virtual balances" in text


async def test_positions_show_each_strategys_open_position(world: World) -> None:
    viewer = await world.app.user_with_role(71005, Role.VIEWER)
    assert "No strategy holds a position right now." in text_of(await viewer.send("/positions"))
    db = world.backends.db
    assert db is not None
    await db.insert_snapshot(
        "conservative-btc",
        datetime.now(UTC),
        Decimal("10050"),
        symbol="BTCUSDT",
        position_size=Decimal("0.01"),
        current_market_price=Decimal("65000.5"),
    )  # as the trader writes it: the quantity in position_value, no entry price or uPnL

    text = text_of(await viewer.send("/positions"))

    assert "macd:conservative-btc" in text
    row = next(line for line in text.splitlines() if line.startswith("BTCUSDT"))
    assert row.split() == ["BTCUSDT", "0.01", "65,000.50", "650.01"]  # size × mark, in USDT
    assert "Value in total: 650.01 USDT" in text
    assert "Unrealized" not in text  # not known from the real rows: not shown as 0

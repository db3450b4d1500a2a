"""Roles per deployment and the target of destructive actions made unmistakable.

A trader on testnet who is a viewer on mainnet acts on testnet and is refused on mainnet; a
viewer granted trader on testnet gets through the gate there only; a mainnet /panic needs the
deployment's name typed; a confirmation names its deployment first, mainnet in bold.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from telegram_frontend.bot.features.strategy.callbacks import CardAction, StrategyCard
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.sandbox.backends.grid_trader import SEEDED_GRID_ID
from telegram_frontend.sandbox.binance.orders import OrderRequest
from telegram_frontend.services.admin.deployment_access import DeploymentAccess
from tests.e2e.account_helpers import press_crafted
from tests.e2e.harness import ADMIN_ID, World, text_of

TRADER_ID, VIEWER_ID = 821, 822
GRID = f"grid:{SEEDED_GRID_ID}"
REFUSED = "This needs the trader role; you are viewer."
CODE = re.compile(r"\b(\d{6})\b")


@pytest.fixture
def settings_env(settings_env: dict[str, str]) -> dict[str, str]:
    return {**settings_env, "RATE_LIMIT_PER_MINUTE": "1000"}


def labels(message: object) -> list[str]:
    return [b["text"] for row in getattr(message, "buttons", []) for b in row]


def mainnet_grid(world: World):  # type: ignore[no-untyped-def]
    assert world.sandbox.mainnet is not None
    return world.sandbox.mainnet.backends.grid


async def test_trader_on_testnet_and_viewer_on_mainnet(two_worlds: World) -> None:
    admin = await two_worlds.app.admin()
    trader = await two_worlds.app.user_with_role(TRADER_ID, Role.TRADER)
    asked = await admin.send(f"/role {TRADER_ID} mainnet viewer")
    assert asked[0].text is not None
    assert asked[0].text.split("\n")[:2] == [
        "💰 Mainnet · ⚠️ MAINNET: real money",
        "❓ Set the role of User @user821 on mainnet to viewer?",
    ]
    done = await admin.press("✅ Confirm")
    assert done.edited is not None and done.edited.text == "✅ User @user821 on mainnet: viewer."
    told = await trader.client.messages(TRADER_ID)
    assert any(
        (m.text or "").startswith("Your role on mainnet is now viewer.") for m in told if m.from_bot
    )

    # Mainnet: the card has no Start, a crafted Start and /panic are refused; nothing moves.
    card = await trader.send(f"/strategy mainnet {GRID}")
    assert (card[0].text or "").split("\n")[0] == "💰 Mainnet"
    assert labels(card[-1]) == ["🔄 Refresh", "◀ All strategies"]
    crafted = StrategyCard(action=CardAction.START, ref="g" + SEEDED_GRID_ID, dep="mainnet")
    refused = await press_crafted(two_worlds.app, trader, card[-1], crafted.pack())
    assert refused.text == REFUSED
    assert text_of(await trader.send("/panic mainnet")) == REFUSED
    assert mainnet_grid(two_worlds).calls == []

    # Testnet: the same trader starts the grid strategy, confirmed; mainnet's is untouched.
    card = await trader.send(f"/strategy testnet {GRID}")
    assert (card[0].text or "").split("\n")[0] == "🧪 Testnet"
    assert labels(card[-1]) == ["▶️ Start", "🔄 Refresh", "◀ All strategies"]
    question = (await trader.press("▶️ Start")).new_messages[0]
    first, second = (question.text or "").split("\n")[:2]
    assert first == "🧪 Testnet" and second.startswith("⚠️ Start the strategy")
    started = await trader.press("✅ Start")
    assert started.answer.text == "Started"
    assert two_worlds.backends.grid.calls == [("activate", SEEDED_GRID_ID)]
    assert mainnet_grid(two_worlds).calls == []

    # "default" clears the grant: the trader's own role applies on mainnet again.
    await admin.send(f"/role {TRADER_ID} mainnet default")
    await admin.press("✅ Confirm")
    card = await trader.send(f"/strategy mainnet {GRID}")
    assert labels(card[-1]) == ["▶️ Start", "🔄 Refresh", "◀ All strategies"]


async def test_a_viewer_made_trader_on_testnet_only_passes_there(two_worlds: World) -> None:
    viewer = await two_worlds.app.user_with_role(VIEWER_ID, Role.VIEWER)
    access = await two_worlds.app.frontend.container.get(DeploymentAccess)
    admin = Actor(role=Role.ADMIN, user_id=ADMIN_ID, name="setup")
    await access.grant(admin, VIEWER_ID, "testnet", Role.TRADER)

    help_text = text_of(await viewer.send("/help"))
    assert "/panic [deployment] — " in help_text  # a trader somewhere: the command is listed
    assert "On single deployments: testnet trader" in help_text
    assert text_of(await viewer.send("/panic mainnet")) == REFUSED
    prompt = text_of(await viewer.send("/panic testnet"))
    assert prompt.split("\n")[0] == "🧪 Testnet"  # no mainnet warning, no name to type
    assert "MAINNET" not in prompt
    assert text_of(await viewer.send("/cancel")) == "Cancelled. Nothing was changed."


async def test_mainnet_panic_needs_the_name_typed(two_worlds: World) -> None:
    grid = mainnet_grid(two_worlds).strategies[SEEDED_GRID_ID]
    grid.active = True
    trader = await two_worlds.app.user_with_role(TRADER_ID, Role.TRADER)
    prompt = text_of(await trader.send("/panic mainnet"))
    head, *rest = prompt.split("\n")
    assert head == "💰 Mainnet · ⚠️ MAINNET: real money"
    assert any(line.startswith("This is a MAINNET deployment. Type its name") for line in rest)
    match = CODE.search(prompt)
    assert match, prompt
    wrong = text_of(await trader.send(match.group(1)))  # the code alone: not enough
    assert wrong == (
        "❌ That is not the deployment's name (mainnet); nothing was done. "
        "Send /panic mainnet to start again."
    )
    assert grid.active is True and mainnet_grid(two_worlds).calls == []

    prompt = text_of(await trader.send("/panic mainnet"))
    match = CODE.search(prompt)
    assert match, prompt
    report = text_of(await trader.send(f"mainnet {match.group(1)}"))
    assert report.split("\n")[0] == "💰 Mainnet"
    assert grid.active is False
    assert mainnet_grid(two_worlds).calls == [("deactivate", SEEDED_GRID_ID)]
    assert two_worlds.backends.grid.calls == []  # testnet untouched


async def test_a_mainnet_cancel_is_confirmed_and_run_on_mainnet_only(two_worlds: World) -> None:
    mainnet = two_worlds.sandbox.mainnet
    assert mainnet is not None
    key = str(mainnet.deployment_values()["binance_api_key"])
    account = mainnet.binance.account(key)
    request = OrderRequest(
        symbol="BTCUSDT",
        side="SELL",
        type="LIMIT",
        quantity=Decimal("0.001"),
        quote_qty=None,
        price=Decimal("999999"),
        time_in_force="GTC",
        client_id=None,
    )
    order = mainnet.binance.exchange.place(account, request, mainnet.binance.server_time())
    trader = await two_worlds.app.user_with_role(TRADER_ID, Role.TRADER)

    [screen] = await trader.send("/orders mainnet")
    assert (screen.text or "").split("\n")[0] == "💰 Mainnet"
    asked = await trader.press(f"✖ Cancel #{order.order_id}")
    [question] = asked.new_messages
    assert (question.text or "").split("\n")[:2] == [
        "💰 Mainnet · ⚠️ MAINNET: real money",
        f"❓ Cancel order #{order.order_id} on BTCUSDT?",
    ]
    done = await trader.press("✅ Yes, cancel the order")
    assert done.edited is not None
    # The mainnet guard of the mainnet deployment refuses (no BINANCE_ALLOW_MAINNET_ORDERS there).
    first, reason = (done.edited.text or "").split("\n")[:2]
    assert first == "💰 Mainnet" and reason.startswith("❌ ")
    assert "mainnet" in reason.lower()
    assert [o.status for o in account.orders.values()] == ["NEW"]
    assert two_worlds.binance.calls("DELETE", "/api/v3/order") == 0

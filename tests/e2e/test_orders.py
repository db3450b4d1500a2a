"""/orders and /order through the emulator: paging in place, cancelling one order and every order
of one symbol after a confirmation (the fake exchange changes, the audit trail records it),
viewers without cancel buttons and refused when they craft one, stale and replayed confirmations.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pyotp
import pytest

from telegram_frontend.bot.features.orders.callbacks import CancelOrder
from telegram_frontend.bot.ui.callbacks import Confirm
from telegram_frontend.core.access import SYSTEM, Actor, Role
from telegram_frontend.services.account.credentials import CredentialsService
from telegram_frontend.services.admin.system_config import ConfigService
from tests.e2e.account_helpers import (
    audit_rows,
    button_texts,
    expire_confirmation,
    open_order_ids,
    press_crafted,
    rest_order,
    system_api_key,
)
from tests.e2e.harness import World, text_of


@pytest.fixture
def settings_env(settings_env: dict[str, str]) -> dict[str, str]:
    """A roomy per-user rate limit: these tests talk a lot within one minute."""
    return {**settings_env, "RATE_LIMIT_PER_MINUTE": "1000"}


async def test_trader_cancels_one_order_then_every_order_of_a_symbol(world: World) -> None:
    btc = rest_order(world, "BTCUSDT", "0.001", "999999")
    btc2 = rest_order(world, "BTCUSDT", "0.002", "999998")
    eth = rest_order(world, "ETHUSDT", "0.1", "99999")
    trader = await world.app.user_with_role(71101, Role.TRADER)

    [listing] = await trader.send("/orders")
    assert "Open (3)" in (listing.text or "")
    assert f"#{eth.order_id} ETHUSDT SELL LIMIT 0.1 @ 99,999.00 · NEW" in (listing.text or "")
    assert f"✖ Cancel #{eth.order_id}" in button_texts(listing)

    asked = await trader.press(f"✖ Cancel #{eth.order_id}")
    [question] = asked.new_messages
    assert f"Cancel order #{eth.order_id} on ETHUSDT?" in (question.text or "")
    assert len(open_order_ids(world)) == 3  # nothing happens before the confirmation
    done = await trader.press("✅ Yes, cancel the order")
    assert done.edited is not None
    assert done.edited.text == f"✅ Order #{eth.order_id} on ETHUSDT cancelled."
    assert done.edited.buttons == []
    assert open_order_ids(world) == [btc.order_id, btc2.order_id]

    await trader.press("✖ Cancel all BTCUSDT (2)")
    done = await trader.press("✅ Yes, cancel them all")
    assert done.edited is not None
    assert done.edited.text == "✅ Cancelled 2 open order(s) on BTCUSDT."
    assert open_order_ids(world) == []
    [one] = await audit_rows(world.app, "order.cancel")
    assert (one.actor, one.target, one.result) == ("tg:71101", f"ETHUSDT#{eth.order_id}", "ok")
    [bulk] = await audit_rows(world.app, "order.cancel_all")
    assert (bulk.target, bulk.details["count"]) == ("BTCUSDT", 2)


async def test_viewer_sees_no_cancel_button_and_a_crafted_one_is_refused(world: World) -> None:
    btc = rest_order(world, "BTCUSDT", "0.001", "999999")
    viewer = await world.app.user_with_role(71103, Role.VIEWER)
    trader = await world.app.user_with_role(71104, Role.TRADER)

    [listing] = await viewer.send("/orders")
    assert f"#{btc.order_id} BTCUSDT" in (listing.text or "")
    assert not any("Cancel" in text for text in button_texts(listing))

    crafted = CancelOrder(symbol="BTCUSDT", order_id=btc.order_id).pack()
    refused = await press_crafted(world.app, viewer, listing, crafted)
    assert refused.text == "This needs the trader role; you are viewer."

    await trader.send("/orders")
    asked = await trader.press(f"✖ Cancel #{btc.order_id}")
    stolen = asked.new_messages[0].button_data("✅ Yes, cancel the order")
    refused = await press_crafted(world.app, viewer, listing, stolen)
    assert refused.text == "This needs the trader role; you are viewer."
    assert open_order_ids(world) == [btc.order_id]
    assert await audit_rows(world.app, "order.cancel") == []


async def test_a_replayed_stale_or_declined_confirmation_does_nothing(world: World) -> None:
    first = rest_order(world, "BTCUSDT", "0.001", "999999")
    second = rest_order(world, "ETHUSDT", "0.1", "99999")
    trader = await world.app.user_with_role(71105, Role.TRADER)
    await trader.send("/orders")

    asked = await trader.press(f"✖ Cancel #{first.order_id}")
    [question] = asked.new_messages
    confirm = question.button_data("✅ Yes, cancel the order")
    await trader.press_data(question, confirm)
    replayed = await press_crafted(
        world.app, trader, question, confirm
    )  # the button is gone; replay it
    assert replayed.text == "This confirmation expired. Please start the action again."
    assert replayed.show_alert is True

    asked = await trader.press(f"✖ Cancel #{second.order_id}")
    [stale] = asked.new_messages
    await expire_confirmation(world.app, stale.button_data("✅ Yes, cancel the order"))
    late = await trader.press("✅ Yes, cancel the order")
    assert late.answer.text == "This confirmation expired. Please start the action again."
    assert late.edited is not None and late.edited.buttons == []
    assert open_order_ids(world) == [second.order_id]
    assert Confirm.unpack(confirm).scope == "o"

    await trader.press(f"✖ Cancel #{second.order_id}")
    declined = await trader.press("✖️ Keep it")
    assert declined.edited is not None
    assert declined.edited.text == "Cancelled; nothing was changed."
    assert declined.answer.text == "Cancelled"
    assert open_order_ids(world) == [second.order_id]


async def test_orders_page_in_place(world: World) -> None:
    ids = [rest_order(world, "BTCUSDT", "0.001", f"{999990 + n}").order_id for n in range(8)]
    trader = await world.app.user_with_role(71106, Role.TRADER)
    [listing] = await trader.send("/orders")
    assert "page 1 of 2" in (listing.text or "")
    assert "◀ Prev" not in button_texts(listing)

    turned = await trader.press("Next ▶")

    assert turned.edited is not None and turned.edited.message_id == listing.message_id
    assert "page 2 of 2" in (turned.edited.text or "")
    assert button_texts(turned.edited)[-1] == "◀ Prev"
    shown = [i for i in ids if f"#{i} " in (listing.text or "") + (turned.edited.text or "")]
    assert shown == ids
    assert turned.new_messages == []


async def test_trader_places_an_order_after_confirming_and_sees_refusals(world: World) -> None:
    trader = await world.app.user_with_role(71107, Role.TRADER)
    [question] = await trader.send("/order sell ETHUSDT 0.01 99999")
    assert "Place SELL LIMIT 0.01 ETHUSDT at 99,999.00 on the system Binance account?" in (
        question.text or ""
    )
    assert "Estimated cost: about 999.99 USDT\nRisk limit per order: 1,000.00 USDT" in (
        question.text or ""
    )
    assert open_order_ids(world) == []
    done = await trader.press("✅ Confirm")
    assert done.edited is not None
    assert (done.edited.text or "").startswith("✅ Order placed: #")
    [order_id] = open_order_ids(world)
    assert f"#{order_id} ETHUSDT SELL LIMIT 0.01 @ 99,999.00 · NEW" in (done.edited.text or "")

    [refused] = await trader.send("/order buy BTCUSDT 1")
    text = refused.text or ""
    assert refused.buttons == []  # refused before any confirmation is offered
    assert re.fullmatch(
        r"❌ The order is worth about \d{1,3}(,\d{3})*\.\d\d USDT, above the risk limit "
        r"of 1,000 USDT per order\.",
        text,
    ), text
    assert open_order_ids(world) == [order_id]
    assert "Usage: /order" in text_of(await trader.send("/order maybe"))
    assert [r.result for r in await audit_rows(world.app, "order.place")] == ["refused", "ok"]


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        ("buy BTCUSDT -1", "The quantity must be above zero."),
        ("buy BTCUSDT 0", "The quantity must be above zero."),
        ("buy BTCUSDT 1e9", "above the maximum of 9,000 BTC"),
        ("buy NOPEUSDT 1", "Binance does not list the symbol “NOPEUSDT”."),
        ("buy BTCUSDT 0.000011", "not a multiple of the step size 0.00001 BTC"),
        ("buy BTCUSDT 0.001 1e400", "out of range"),
        ("buy BTCUSDT 0.001 100.001", "not a multiple of the tick size 0.01 USDT"),
        ("buy BTCUSDT 0.00001 100", "minimum"),
    ],
)
async def test_an_order_binance_would_refuse_is_never_offered_for_confirmation(
    world: World, args: str, reason: str
) -> None:
    trader = await world.app.user_with_role(71109, Role.TRADER)
    [answer] = await trader.send(f"/order {args}")
    assert (answer.text or "").startswith("❌ "), answer.text
    assert reason in (answer.text or "")
    assert answer.buttons == []
    assert "Something went wrong" not in (answer.text or "")


async def test_the_prompt_shows_the_exact_figures_that_will_be_sent(world: World) -> None:
    trader = await world.app.user_with_role(71110, Role.TRADER)
    [question] = await trader.send("/order sell ETHUSDT 0.0100 99999.10")
    text = question.text or ""
    assert "Place SELL LIMIT 0.01 ETHUSDT at 99,999.10 on" in text  # to the tick, never ".1"
    done = await trader.press("✅ Confirm")
    assert done.edited is not None
    [order_id] = open_order_ids(world)
    assert f"#{order_id} ETHUSDT SELL LIMIT 0.01 @ 99,999.10 · NEW" in (done.edited.text or "")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ("buy " + "B" * 5000 + " 0.001", "is not a trading pair"),
        ("buy BTCUSDT 1e999999", "out of range"),
        ("buy BTCUSDT 0.001 -5", "above zero"),
    ],
)
async def test_bad_order_arguments_get_one_clear_sentence_and_no_confirmation(
    world: World, args: str, says: str
) -> None:
    trader = await world.app.user_with_role(71109, Role.TRADER)
    [answer] = await trader.send(f"/order {args}")
    assert says in (answer.text or "")
    assert "Something went wrong" not in (answer.text or "")
    assert answer.reply_markup is None


@pytest.mark.parametrize("time_in_force", ["IOC", "FOK"])
async def test_ioc_or_fok_order_that_cannot_fill_is_reported_expired(
    world: World, time_in_force: str
) -> None:
    trader = await world.app.user_with_role(71108, Role.TRADER)
    far_below = (world.market.price("ETHUSDT") * Decimal("0.8")).quantize(Decimal("0.01"))
    [question] = await trader.send(f"/order buy ETHUSDT 0.01 {far_below} {time_in_force}")
    assert f"Place BUY LIMIT {time_in_force} 0.01 ETHUSDT" in (question.text or "")

    done = await trader.press("✅ Confirm")
    assert done.edited is not None
    text = done.edited.text or ""
    assert text.startswith("⌛ Order expired without filling: #")
    assert "· EXPIRED" in text
    assert "Order placed" not in text
    assert open_order_ids(world) == []
    assert world.binance.balance(system_api_key(world), "USDT")[1] == 0  # nothing locked
    [placed] = await audit_rows(world.app, "order.place")
    assert (placed.result, placed.details["status"]) == ("ok", "EXPIRED")


async def test_bidi_control_characters_are_never_echoed(world: World) -> None:
    trader = await world.app.user_with_role(71111, Role.TRADER)
    [answer] = await trader.send("/order buy \u202eevil 1")
    text = answer.text or ""
    assert text.startswith("❌ The symbol “EVIL”") and "is not a trading pair" in text
    assert "\u202e" not in text and "\\u202e" not in text


async def test_an_order_asks_for_the_totp_code_when_two_factor_is_required(world: World) -> None:
    trader = await world.app.user_with_role(71110, Role.TRADER)
    container = world.app.frontend.container
    actor = Actor(role=Role.TRADER, user_id=71110, name="t")
    credentials = await container.get(CredentialsService)
    setup = await credentials.begin_totp(actor)
    totp = pyotp.TOTP(setup.secret)
    await credentials.confirm_totp(actor, totp.now())
    await (await container.get(ConfigService)).set(SYSTEM, "security.totp_for_actions", "on")

    [question] = await trader.send("/order sell ETHUSDT 0.01 99999")
    assert "Two-factor is required" in (question.text or "")
    assert question.reply_markup is None  # no button to press past the second factor
    [wrong] = await trader.send("000000")
    assert "not valid" in (wrong.text or "")
    assert open_order_ids(world) == []
    await trader.send("/order sell ETHUSDT 0.01 99999")
    [done] = await trader.send(totp.at(time.time() + totp.interval))
    assert (done.text or "").startswith("✅ Order placed: #")
    assert len(open_order_ids(world)) == 1


async def test_prices_read_with_cents_and_quantities_in_full_on_every_screen(world: World) -> None:
    """Issue 17.8: a price never shows one decimal ("66,302.5"), a quantity is never cut."""
    order = rest_order(world, "BTCUSDT", "0.00123", "166302.5")
    db = world.backends.db
    assert db is not None
    now = datetime.now(UTC)
    await db.insert_trade("conservative-btc", "BTCUSDT", "BUY", Decimal("66302.5"),
                          Decimal("0.01234"), now - timedelta(minutes=1))  # fmt: skip
    viewer = await world.app.user_with_role(71112, Role.VIEWER)

    listing = text_of(await viewer.send("/orders"))
    assert f"#{order.order_id} BTCUSDT SELL LIMIT 0.00123 @ 166,302.50 · NEW" in listing
    status = text_of(await viewer.send("/status"))
    assert "Last trade: BUY 0.01234 BTCUSDT @ 66,302.50 · conservative-btc · " in status
    assert not re.search(r"\d,\d{3}\.\d(?!\d)", listing + status), "a price with one decimal"

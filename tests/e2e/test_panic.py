"""/panic through the emulator: nothing happens until the user types the code; a wrong code or an
expired prompt does nothing; the right code stops the grid strategies, reports the MACD ones as
not stoppable, cancels every open order of every symbol and reports each item; with TOTP on, the
code comes from the user's authenticator app. Viewers cannot panic."""

from __future__ import annotations

import re
import time

import pyotp
import pytest

from telegram_frontend.core.access import Role
from telegram_frontend.core.caching.cache import Cache
from telegram_frontend.sandbox.backends.grid_trader import SEEDED_GRID_ID
from tests.e2e.account_helpers import (
    audit_rows,
    dialog_data,
    expire_token,
    open_order_ids,
    rest_order,
)
from tests.e2e.harness import World, text_of


@pytest.fixture
def settings_env(settings_env: dict[str, str]) -> dict[str, str]:
    """A roomy per-user rate limit: these tests talk a lot within one minute."""
    return {**settings_env, "RATE_LIMIT_PER_MINUTE": "1000"}


GRID = f"grid:{SEEDED_GRID_ID}"
GRID_NAME = f"Grid BTCUSDT {SEEDED_GRID_ID[:8]}"
CODE = re.compile(r"within \d+ s: (\d{6})")


def prompt_code(text: str) -> str:
    match = CODE.search(text)
    assert match, text
    return match.group(1)


async def test_wrong_code_does_nothing_and_the_right_one_stops_and_cancels_everything(
    world: World,
) -> None:
    btc = rest_order(world, "BTCUSDT", "0.001", "999999")
    eth = rest_order(world, "ETHUSDT", "0.1", "99999")
    grid = world.backends.grid.strategies[SEEDED_GRID_ID]
    grid.active = True
    trader = await world.app.user_with_role(71201, Role.TRADER)

    prompt = text_of(await trader.send("/panic"))
    assert "stops every strategy that can be stopped and cancels every open order" in prompt
    code = prompt_code(prompt)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    refused = text_of(await trader.send(wrong))
    assert refused == "❌ The code did not match; nothing was done. Send /panic to try again."
    assert open_order_ids(world) == [btc.order_id, eth.order_id]
    assert grid.active is True
    assert await audit_rows(world.app, "panic") == []

    code = prompt_code(text_of(await trader.send("/panic")))
    report = text_of(await trader.send(code))

    # What is still running leads the report, with why and what the user can do.
    assert report.startswith(
        "⚠️ Panic finished, but not everything is stopped.\nStill running:\n"
        "⚠️ MACD Conservative BTC (macd:conservative-btc) — still running: "
        "it cannot be stopped through its API\n    Why: "
    ), report
    assert "⚠️ MACD Aggressive ETH (macd:aggressive-eth) — still running" in report
    assert "What you can do: stop that service on its server" in report
    assert report.index("What you can do") < report.index(f"✅ {GRID_NAME} ({GRID}) — stopped")
    assert "Orders cancelled on the system Binance account" in report
    assert f"✅ #{btc.order_id} BTCUSDT SELL 0.001 @ 999,999.00 — cancelled" in report
    assert f"✅ #{eth.order_id} ETHUSDT SELL 0.1 @ 99,999.00 — cancelled" in report
    assert grid.active is False
    assert world.backends.grid.calls == [("deactivate", SEEDED_GRID_ID)]
    assert open_order_ids(world) == []
    [row] = await audit_rows(world.app, "panic")
    assert (row.actor, row.result) == ("tg:71201", "ok")
    assert row.details["stopped"] == [GRID]
    assert sorted(row.details["cancelled"]) == [
        f"BTCUSDT#{btc.order_id}",
        f"ETHUSDT#{eth.order_id}",
    ]


async def test_an_expired_or_abandoned_prompt_or_a_viewer_does_nothing(world: World) -> None:
    order = rest_order(world, "BTCUSDT", "0.001", "999999")
    trader = await world.app.user_with_role(71202, Role.TRADER)
    viewer = await world.app.user_with_role(71204, Role.VIEWER)
    assert text_of(await viewer.send("/panic")) == "This needs the trader role; you are viewer."

    code = prompt_code(text_of(await trader.send("/panic")))
    await expire_token(world.app, str((await dialog_data(world.app, 71202))["token"]))
    late = text_of(await trader.send(code))
    assert late == "This confirmation expired. Send /panic to start again."

    await trader.send("/panic")
    token = str((await dialog_data(world.app, 71202))["token"])
    assert text_of(await trader.send("/cancel")) == "Cancelled. Nothing was changed."
    assert await dialog_data(world.app, 71202) == {}
    cache = await world.app.frontend.container.get(Cache)
    assert await cache.get(f"confirm:{token}") is None
    assert open_order_ids(world) == [order.order_id]


async def test_with_totp_the_code_comes_from_the_authenticator_app(world: World) -> None:
    order = rest_order(world, "ETHUSDT", "0.1", "99999")
    trader = await world.app.user_with_role(71203, Role.TRADER)
    await trader.send("/config")
    [setup] = (await trader.press("🔐 Enable two-factor")).new_messages
    secret = re.search(r"secret=([A-Z2-7]+)", setup.text or "")
    assert secret is not None
    totp = pyotp.TOTP(secret.group(1))
    assert "Two-factor is on" in text_of(await trader.send(totp.now()))

    prompt = text_of(await trader.send("/panic"))
    assert "type the current code from your authenticator app" in prompt
    assert CODE.search(prompt) is None  # no code is shown: only the app knows it
    assert "did not match" in text_of(await trader.send("000000"))
    assert open_order_ids(world) == [order.order_id]

    await trader.send("/panic")
    report = text_of(await trader.send(totp.at(time.time() + totp.interval)))
    assert f"✅ #{order.order_id} ETHUSDT SELL 0.1 @ 99,999.00 — cancelled" in report
    assert open_order_ids(world) == []


async def test_when_nothing_can_be_stopped_the_report_says_so_plainly(world: World) -> None:
    trader = await world.app.user_with_role(71205, Role.TRADER)
    code = prompt_code(text_of(await trader.send("/panic")))
    report = text_of(await trader.send(code))
    assert report.startswith("⚠️ Nothing could be stopped.\nStill running:\n"), report
    assert "Panic done" not in report
    assert "What you can do:" in report

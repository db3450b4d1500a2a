"""A user's own Binance keys belong to one deployment, and audit rows name their deployment.

Keys stored on testnet are proven against testnet's Binance, used there only, and never sent to
mainnet's Binance, where the system account still serves the user; a pair mainnet's Binance does
not know is refused there. A strategy stopped on mainnet is audited as mainnet's, and /audit and
the API's audit name the deployment of each row (only with several deployments).
"""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from sqlalchemy import select

from telegram_frontend.core.access import SYSTEM, Role
from telegram_frontend.core.database import Database
from telegram_frontend.core.i18n import use_locale
from telegram_frontend.core.logging import LOG_BUFFER
from telegram_frontend.models import UserBinanceKeys
from telegram_frontend.sandbox.backends.grid_trader import SEEDED_GRID_ID
from telegram_frontend.sandbox.binance.server import FakeBinance
from telegram_frontend.services.admin.api_keys import ApiKeyService
from telegram_frontend.services.admin.users import UserService
from tests.e2e.account_helpers import audit_rows
from tests.e2e.api.support import bearer
from tests.e2e.harness import Chat, World, text_of
from tests.e2e.test_russian_screens import ENGLISH_WORDS, english_fragments

TRADER_ID = 831
GRID = f"grid:{SEEDED_GRID_ID}"


@pytest.fixture
def settings_env(settings_env: dict[str, str]) -> dict[str, str]:
    return {
        **settings_env,
        "RATE_LIMIT_PER_MINUTE": "1000",
        "SECRET_KEY": "e2e-secret-key-0123456789-abcdefghijkl",
    }


def mainnet_binance(world: World) -> FakeBinance:
    assert world.sandbox.mainnet is not None
    return world.sandbox.mainnet.binance


def keys_sent_to(fake: FakeBinance) -> set[str]:
    return {r.api_key for r in fake.requests if r.api_key}


async def stored_deployments(world: World, user_id: int) -> list[str]:
    db = await world.app.frontend.container.get(Database)
    async with db.session() as session:
        rows = await session.scalars(
            select(UserBinanceKeys.deployment).where(UserBinanceKeys.user_id == user_id)
        )
        return sorted(rows)


async def store_keys(trader: Chat, button: str, api_key: str, secret: str) -> str:
    """The /config key dialog from `button` to the bot's last answer, as text."""
    await trader.send("/config")
    asked = text_of((await trader.press(button)).new_messages)
    await trader.send(api_key)
    return asked + "\n---\n" + text_of(await trader.send(secret))


async def test_testnet_keys_stay_on_testnet_and_never_reach_mainnets_binance(
    two_worlds: World,
) -> None:
    api_key, secret = two_worlds.binance.new_account({"USDT": Decimal("777")})
    mainnet_fake = mainnet_binance(two_worlds)
    trader = await two_worlds.app.user_with_role(TRADER_ID, Role.TRADER)

    menu = text_of(await trader.send("/config"))
    assert "Binance keys on 🧪 Testnet: none (the system account is used)" in menu
    assert "Binance keys on 💰 Mainnet: none (the system account is used)" in menu
    labels = [b["text"] for row in trader.last[-1].buttons for b in row]
    assert "🔑 Add Binance keys · 🧪 Testnet" in labels
    assert "🔑 Add Binance keys · 💰 Mainnet" in labels

    said = await store_keys(trader, "🔑 Add Binance keys · 🧪 Testnet", api_key, secret)
    asked, saved = said.split("\n---\n")
    assert asked.split("\n")[0] == "🧪 Testnet"
    assert "Send your Binance API key" in asked
    assert saved.split("\n")[0] == "🧪 Testnet"
    assert saved.split("\n")[1].startswith(f"✅ Keys saved (…{api_key[-4:]})")
    assert await stored_deployments(two_worlds, TRADER_ID) == ["testnet"]

    testnet = text_of(await trader.send("/portfolio testnet"))
    assert "Portfolio · your own Binance account" in testnet
    assert "Total: 777.00 USDT" in testnet
    mainnet = text_of(await trader.send("/portfolio mainnet"))
    assert mainnet.split("\n")[0] == "💰 Mainnet"
    assert "the system Binance account" in mainnet
    await trader.send("/orders mainnet")
    await trader.send("/order mainnet buy BTCUSDT 0.001")  # a proposal: every check, no order

    # Mainnet's Binance was asked (with its system key), never with the user's testnet key.
    assert two_worlds.sandbox.mainnet is not None
    mainnet_system_key = str(two_worlds.sandbox.mainnet.deployment_values()["binance_api_key"])
    seen = keys_sent_to(mainnet_fake)
    assert mainnet_system_key in seen
    assert api_key not in seen
    assert api_key in keys_sent_to(two_worlds.binance)

    menu = text_of(await trader.send("/config"))
    assert f"Binance keys on 🧪 Testnet: yours (…{api_key[-4:]})" in menu
    assert "Binance keys on 💰 Mainnet: none (the system account is used)" in menu

    [row] = await audit_rows(two_worlds.app, "credentials.binance.set")
    assert (row.deployment, row.result) == ("testnet", "ok")
    for plaintext in (api_key, secret):
        assert not any(plaintext in record[3] for record in LOG_BUFFER.records)

    # Removing them on testnet says so under testnet's name; mainnet had none to remove.
    await trader.send("/config")
    removed = text_of((await trader.press("🗑 Remove my keys · 🧪 Testnet")).new_messages)
    assert removed.split("\n") == [
        "🧪 Testnet",
        "Your Binance keys were removed; the system account is used again.",
    ]
    assert await stored_deployments(two_worlds, TRADER_ID) == []


async def test_keys_are_proven_against_the_chosen_deployments_own_binance(
    two_worlds: World,
) -> None:
    testnet_key, testnet_secret = two_worlds.binance.new_account({"USDT": Decimal("10")})
    mainnet_fake = mainnet_binance(two_worlds)
    mainnet_key, mainnet_secret = mainnet_fake.new_account({"USDT": Decimal("4321")})
    trader = await two_worlds.app.user_with_role(TRADER_ID, Role.TRADER)

    # A testnet pair offered for mainnet: mainnet's Binance does not know it, nothing stored.
    refused = await store_keys(
        trader, "🔑 Add Binance keys · 💰 Mainnet", testnet_key, testnet_secret
    )
    answer = refused.split("\n---\n")[1].split("\n")
    assert answer[0] == "💰 Mainnet"
    assert answer[1].startswith("❌ Binance did not accept these keys, so nothing was stored:")
    assert await stored_deployments(two_worlds, TRADER_ID) == []
    assert testnet_key not in keys_sent_to(two_worlds.binance)  # proven on mainnet only
    await trader.send("/cancel")

    saved = await store_keys(
        trader, "🔑 Add Binance keys · 💰 Mainnet", mainnet_key, mainnet_secret
    )
    assert f"✅ Keys saved (…{mainnet_key[-4:]})" in saved
    assert await stored_deployments(two_worlds, TRADER_ID) == ["mainnet"]
    assert "Total: 4,321.00 USDT" in text_of(await trader.send("/portfolio mainnet"))
    testnet = text_of(await trader.send("/portfolio testnet"))
    assert "the system Binance account" in testnet
    assert mainnet_key not in keys_sent_to(two_worlds.binance)
    [row] = [
        r for r in await audit_rows(two_worlds.app, "credentials.binance.set") if r.result == "ok"
    ]
    assert row.deployment == "mainnet"


async def test_a_mainnet_stop_is_audited_as_mainnets(two_worlds: World) -> None:
    assert two_worlds.sandbox.mainnet is not None
    grid = two_worlds.sandbox.mainnet.backends.grid
    grid.strategies[SEEDED_GRID_ID].active = True
    trader = await two_worlds.app.user_with_role(TRADER_ID, Role.TRADER)
    await trader.send(f"/strategy mainnet {GRID}")
    await trader.press("⏹ Stop")
    stopped = await trader.press("✅ Stop")
    assert stopped.answer.text == "Stopped"
    assert grid.calls == [("deactivate", SEEDED_GRID_ID)]

    [row] = await audit_rows(two_worlds.app, "strategy.stop")
    assert (row.deployment, row.result, row.target) == ("mainnet", "ok", GRID)

    admin = await two_worlds.app.admin()
    audit = text_of(await admin.send("/audit"))
    line = next(x for x in audit.split("\n") if "strategy.stop" in x)
    assert "· 💰 Mainnet · strategy.stop" in line

    keys = await two_worlds.app.frontend.container.get(ApiKeyService)
    api_admin = (await keys.create(SYSTEM, "ops", Role.ADMIN)).key
    async with httpx.AsyncClient(base_url=two_worlds.app.http_base, timeout=30) as http:
        listed = await http.get("/api/v1/audit", headers=bearer(api_admin))
    assert listed.status_code == 200, listed.text
    entries = listed.json()
    stop = next(e for e in entries if e["action"] == "strategy.stop")
    assert stop["deployment"] == "mainnet"
    assert all("deployment" in e for e in entries)


async def test_the_audit_names_no_deployment_with_one(world: World) -> None:
    trader = await world.app.user_with_role(TRADER_ID, Role.TRADER)
    await trader.send(f"/strategy {GRID}")
    await trader.press("▶️ Start")
    await trader.press("✅ Start")
    [row] = await audit_rows(world.app, "strategy.start")
    assert row.deployment == "default"  # stored, but never shown with one deployment

    admin = await world.app.admin()
    with use_locale("en"):
        audit = text_of(await admin.send("/audit"))
    line = next(x for x in audit.split("\n") if "strategy.start" in x)
    assert "Default" not in line and "default" not in line
    assert f"· strategy.start {GRID} → ok" in line

    keys = await world.app.frontend.container.get(ApiKeyService)
    api_admin = (await keys.create(SYSTEM, "ops", Role.ADMIN)).key
    async with httpx.AsyncClient(base_url=world.app.http_base, timeout=30) as http:
        listed = await http.get("/api/v1/audit", headers=bearer(api_admin))
    assert listed.status_code == 200, listed.text
    assert all("deployment" not in e for e in listed.json())


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
async def test_the_keys_per_deployment_in_russian(two_worlds: World) -> None:
    trader = await two_worlds.app.user_with_role(TRADER_ID, Role.TRADER)
    users = await two_worlds.app.frontend.container.get(UserService)
    await users.set_preferences(TRADER_ID, language="ru")
    menu = text_of(await trader.send("/config"))
    assert "Ключи Binance для 🧪 Testnet: нет (используется системный аккаунт)" in menu
    assert "Ключи Binance для 💰 Mainnet: нет (используется системный аккаунт)" in menu
    found = [f for f in english_fragments() if f in menu]
    words = [w for w in ENGLISH_WORDS.findall(menu) if w not in ("Testnet", "Mainnet")]
    assert not found and not words, menu

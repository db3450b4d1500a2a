"""Alert rules with two deployments: the dialog asks (or is told) which deployment, names it in
every prompt and in the confirmation, the list shows each rule's deployment, and a rule fires
from its own deployment's prices, labelled with it."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import httpx
import pytest

from telegram_frontend.core.access import SYSTEM, Actor, Role
from telegram_frontend.services.admin.api_keys import ApiKeyService
from telegram_frontend.services.notifications.alert_rules import AlertService
from tests.e2e.api.support import bearer
from tests.e2e.harness import World, text_of

OWNER = 841


@pytest.fixture
def settings_env(settings_env: dict[str, str]) -> dict[str, str]:
    return {**settings_env, "RATE_LIMIT_PER_MINUTE": "1000"}


def lines(text: str | None) -> list[str]:
    return (text or "").split("\n")


def money(value: Decimal) -> str:
    return f"{value:,.2f}"


async def test_a_rule_made_for_mainnet_fires_from_mainnet_prices_labelled_mainnet(
    fast_worlds: World,
) -> None:
    mainnet = fast_worlds.sandbox.mainnet
    assert mainnet is not None
    mainnet.market.shock("BTCUSDT", 50.0)  # mainnet's BTC is half as dear again as testnet's
    level = (fast_worlds.market.price("BTCUSDT") * Decimal("1.25")).quantize(Decimal(1))
    assert mainnet.market.price("BTCUSDT") > level * Decimal("1.1")
    viewer = await fast_worlds.app.user_with_role(OWNER, Role.VIEWER)

    # the same level on testnet, in one line naming the deployment: it never fires
    on_testnet = await viewer.send(f"/alerts testnet add price_above BTCUSDT {level}")
    assert lines(text_of(on_testnet)) == [
        "🧪 Testnet",
        f"✅ Alert added: BTCUSDT price above {money(level)}.",
    ]

    # the dialog, started without a name: testnet was remembered from the line above
    started = await viewer.send("/alerts add")
    assert lines(text_of(started))[0] == "🧪 Testnet"
    await viewer.send("/cancel")
    # named: every prompt and the confirmation say mainnet first
    started = await viewer.send("/alerts mainnet add")
    assert lines(text_of(started)) == [
        "💰 Mainnet",
        "➕ What should the alert watch? /cancel leaves.",
    ]
    kind = await viewer.press("Price above")
    assert lines(text_of(kind.new_messages)) == [
        "💰 Mainnet",
        "Price above",
        "Which trading pair? Send it like BTCUSDT.",
    ]
    bad = await viewer.send("BTC USDT!")
    assert lines(text_of(bad))[0] == "💰 Mainnet"
    asks_price = await viewer.send("btcusdt")
    assert lines(text_of(asks_price)) == ["💰 Mainnet", "At what price? Send a number, like 65000."]
    added = (await viewer.send(str(level)))[0]  # the alert may follow within the same second
    assert lines(added.text) == [
        "💰 Mainnet",
        f"✅ Alert added: BTCUSDT price above {money(level)}.",
    ]

    alerts = await fast_worlds.app.frontend.container.get(AlertService)
    testnet_rule, mainnet_rule = await alerts.list_rules(Actor(role=Role.VIEWER, user_id=OWNER))
    assert (testnet_rule.deployment, mainnet_rule.deployment) == ("testnet", "mainnet")

    fired = await fast_worlds.app.client.wait_for_bot_messages(
        OWNER, after_message_id=added.message_id, timeout=15
    )
    head, alert, now = lines(fired[0].text)
    assert head == "💰 Mainnet"
    assert alert == f"🔔 Alert: BTCUSDT price above {money(level)}"
    seen = Decimal(now.removeprefix("Now: ").replace(",", ""))
    assert abs(seen - mainnet.market.price("BTCUSDT")) < seen * Decimal("0.05")
    await asyncio.sleep(1.0)  # several rounds of the testnet evaluator: its rule stays quiet
    later = await fast_worlds.app.client.messages(OWNER)
    assert [m for m in later if m.from_bot and m.message_id > added.message_id] == fired[:1]

    listed = text_of(await viewer.send("/alerts rules"))
    assert f"▶️ #{testnet_rule.id} 🧪 Testnet · BTCUSDT price above {money(level)}" in listed
    assert f"▶️ #{mainnet_rule.id} 💰 Mainnet · BTCUSDT price above {money(level)}" in listed

    # the API shows the same: each deployment's rules under its path, with their deployment
    keys = await fast_worlds.app.frontend.container.get(ApiKeyService)
    admin_key = (await keys.create(SYSTEM, "ops", Role.ADMIN)).key
    path = f"/api/v1/deployments/mainnet/users/{OWNER}/alert-rules"
    async with httpx.AsyncClient(base_url=fast_worlds.app.http_base, timeout=30) as http:
        shown = await http.get(path, headers=bearer(admin_key))
        assert shown.status_code == 200, shown.text
        assert [(r["id"], r["deployment"]) for r in shown.json()] == [(mainnet_rule.id, "mainnet")]
        made = await http.post(
            path,
            headers=bearer(admin_key),
            json={"kind": "service_down", "target": "grid"},
        )
        assert made.status_code == 201, made.text
        assert made.json()["deployment"] == "mainnet"


async def test_add_without_a_remembered_deployment_asks_which(fast_worlds: World) -> None:
    viewer = await fast_worlds.app.user_with_role(OWNER + 1, Role.VIEWER)
    [picker] = await viewer.send("/alerts add")
    assert lines(picker.text)[0].startswith("🧭 Which deployment?")
    picked = await viewer.press("💰 Mainnet")
    asked = [m for m in picked.new_messages if m.message_id != picker.message_id]
    assert lines(text_of(asked)) == [
        "💰 Mainnet",
        "➕ What should the alert watch? /cancel leaves.",
    ]

    # the settings screen's "Add rule" asks too (a button never guesses the deployment)
    await viewer.send("/cancel")
    await viewer.send("/alerts")
    offered = await viewer.press("➕ Add rule")
    assert lines(text_of(offered.new_messages))[0].startswith("🧭 Which deployment?")
    picked = await viewer.press("🧪 Testnet")
    asked = [m for m in picked.new_messages if "What should the alert watch" in (m.text or "")]
    assert lines(text_of(asked))[0] == "🧪 Testnet"
    await viewer.press("Service down")
    done = await viewer.send("macd")
    assert lines(text_of(done)) == ["🧪 Testnet", "✅ Alert added: MACD trader goes down."]

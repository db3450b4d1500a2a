"""The HTTP API over two deployments: the list of deployments, every resource under
`/api/v1/deployments/{name}` reading that deployment, the default paths on the default one, and
API keys limited to a deployment refused on the others."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import httpx

from telegram_frontend.core.access import SYSTEM, Role
from telegram_frontend.services.admin.api_keys import ApiKeyService
from telegram_frontend.services.deployments.registry import Deployments
from tests.e2e.api.support import bearer
from tests.e2e.harness import World, wait_for
from tests.e2e.notifications.support import subscribe

VIEWER = 7101
EVENT = {"type": "trades", "title": "Deploy", "text": "v2 is live", "idempotency_key": "v2"}


async def test_each_deployment_under_its_path_and_a_testnet_key_refused_on_mainnet(
    two_worlds: World,
) -> None:
    keys = await two_worlds.app.frontend.container.get(ApiKeyService)
    admin = (await keys.create(SYSTEM, "ops", Role.ADMIN)).key
    testnet_only = (await keys.create(SYSTEM, "ci", Role.TRADER, ["Testnet"])).key
    assert two_worlds.sandbox.mainnet is not None
    mainnet = two_worlds.sandbox.mainnet.backends
    assert mainnet.db is not None
    trade_id = await mainnet.db.insert_trade(
        "conservative-btc", "ETHUSDT", "SELL", Decimal(3300), Decimal("0.5"), datetime.now(UTC)
    )
    await mainnet.go_down("grid_trader")

    async with httpx.AsyncClient(base_url=two_worlds.app.http_base, timeout=30) as http:
        # the list shows each deployment's cached snapshot: take one after the outage
        deployments = await two_worlds.app.frontend.container.get(Deployments)
        await deployments.get("mainnet").monitoring.snapshot(force=True)
        listed = await http.get("/api/v1/deployments", headers=bearer(admin))
        assert listed.status_code == 200, listed.text
        rows = {row["name"]: row for row in listed.json()}
        assert list(rows) == ["testnet", "mainnet"]
        assert rows["testnet"] | {"status": None} == {
            "name": "testnet",
            "label": "Testnet",
            "emoji": "🧪",
            "title": "🧪 Testnet",
            "environment": "testnet",
            "default": True,
            "status": None,
            "services_down": [],
        }
        assert (rows["mainnet"]["environment"], rows["mainnet"]["default"]) == ("mainnet", False)
        assert rows["mainnet"]["status"] == "down"
        assert rows["mainnet"]["services_down"] == ["grid_trader"]

        # the mainnet's trade and its grid trader being down, only under its own path
        def trade_ids(response: httpx.Response) -> list[int]:
            assert response.status_code == 200, response.text
            return [t["id"] for t in response.json()["items"]]

        mainnet_trades = await http.get("/api/v1/deployments/mainnet/trades", headers=bearer(admin))
        assert trade_id in trade_ids(mainnet_trades)
        assert trade_ids(await http.get("/api/v1/trades", headers=bearer(admin))) == []
        testnet_trades = await http.get("/api/v1/deployments/testnet/trades", headers=bearer(admin))
        assert trade_ids(testnet_trades) == []
        status = await http.get("/api/v1/deployments/mainnet/status", headers=bearer(admin))
        grid = {s["key"]: s["state"] for s in status.json()["services"]}["grid_trader"]
        assert grid == "down"
        default_status = await http.get("/api/v1/status", headers=bearer(admin))
        assert {s["key"]: s["state"] for s in default_status.json()["services"]}[
            "grid_trader"
        ] == "up"

        unknown = await http.get("/api/v1/deployments/staging/status", headers=bearer(admin))
        assert unknown.status_code == 404
        assert unknown.json() == {
            "error": "not_found",
            "detail": "There is no deployment called “staging”. Known: testnet, mainnet.",
        }

        # a key limited to testnet: testnet and the default paths work, mainnet is refused
        for path in ("/api/v1/status", "/api/v1/deployments/testnet/strategies"):
            allowed = await http.get(path, headers=bearer(testnet_only))
            assert allowed.status_code == 200, f"{path}: {allowed.text}"
        for method, path in (
            ("GET", "/api/v1/deployments/mainnet/trades"),
            ("POST", "/api/v1/deployments/mainnet/strategies/macd:conservative-btc/stop"),
            ("DELETE", "/api/v1/deployments/mainnet/orders/BTCUSDT"),
        ):
            refused = await http.request(method, path, headers=bearer(testnet_only))
            assert refused.status_code == 403, f"{method} {path}: {refused.text}"
            assert refused.json() == {
                "error": "forbidden",
                "detail": "This API key is limited to testnet; it cannot use mainnet.",
            }
        me = await http.get("/api/v1/me", headers=bearer(testnet_only))
        assert me.json()["deployments"] == ["testnet"]
        visible = await http.get("/api/v1/deployments", headers=bearer(testnet_only))
        assert [row["name"] for row in visible.json()] == ["testnet"]
        one = await http.get("/api/v1/deployments/mainnet", headers=bearer(testnet_only))
        assert one.status_code == 403

        # a group route for mainnet's notices only, set through mainnet's path
        route = await http.put(
            "/api/v1/deployments/mainnet/notification-routes/trades/-100900",
            json={"thread_id": 3},
            headers=bearer(admin),
        )
        assert route.status_code == 200, route.text
        assert (route.json()["deployment"], route.json()["thread_id"]) == ("mainnet", 3)
        everywhere = await http.get("/api/v1/notification-routes", headers=bearer(admin))
        assert [(r["chat_id"], r["deployment"]) for r in everywhere.json()] == [
            (-100900, "mainnet")
        ]
        testnet_routes = await http.get(
            "/api/v1/deployments/testnet/notification-routes", headers=bearer(admin)
        )
        assert testnet_routes.json() == []

        # an event posted for mainnet is about mainnet: its title first, its group route
        await subscribe(two_worlds.app, [VIEWER])
        await two_worlds.app.client.register_chat(-100900, chat_type="supergroup", title="M")
        posted = await http.post(
            "/api/v1/deployments/mainnet/events",
            json=EVENT,
            headers=bearer(admin),
        )
        assert posted.status_code == 202, posted.text
        text = "💰 Mainnet\nℹ️ Deploy\nv2 is live"  # (mainnet's trade may come too)
        for chat, thread in ((VIEWER, None), (-100900, 3)):

            async def delivered(chat: int = chat, thread: int | None = thread) -> bool:
                messages = await two_worlds.app.client.messages(chat)
                return any((m.text, m.message_thread_id) == (text, thread) for m in messages)

            await wait_for(delivered, what=f"the event in chat {chat}")
        again = await http.post(
            "/api/v1/deployments/mainnet/events",
            json=EVENT,
            headers=bearer(admin),
        )
        assert again.json()["duplicate"] is True
        assert again.json()["ids"] == posted.json()["ids"]

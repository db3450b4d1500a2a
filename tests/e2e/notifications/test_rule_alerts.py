"""A user's own alert rules against the fake trading system: fired once, to that user only."""

from __future__ import annotations

from telegram_frontend.core.access import Actor, Role
from telegram_frontend.services.notifications.alert_rules import AlertService, RuleKind
from tests.e2e.harness import running_world
from tests.e2e.notifications.support import FAST_DELIVERY, bot_texts, subscribe

OWNER, OTHER = 8001, 8002


async def test_a_price_rule_and_a_service_rule_fire_once_for_their_owner(
    settings_env: dict[str, str], trading_database_url: str
) -> None:
    env = {
        **FAST_DELIVERY,
        "ALERT_POLL_SECONDS": "0.1",
        "HTTP_RETRIES": "0",
        "HTTP_CONNECT_TIMEOUT": "0.5",
        "HTTP_READ_TIMEOUT": "0.5",
        "MONITORING_CACHE_SECONDS": "0",
        "HEALTH_POLL_SECONDS": "3600",  # only the rule speaks about the outage here
    }
    async with running_world(settings_env, trading_database_url, extra_env=env) as world:
        app = world.app
        await subscribe(app, [OWNER, OTHER])
        alerts = await app.frontend.container.get(AlertService)
        owner = Actor(role=Role.VIEWER, user_id=OWNER)
        await alerts.add_rule(owner, RuleKind.PRICE_ABOVE, "BTCUSDT", "1000")
        await alerts.add_rule(owner, RuleKind.PRICE_BELOW, "BTCUSDT", "1000")
        fired = await app.client.wait_for_bot_messages(OWNER, count=1, timeout=15)
        text = fired[0].text or ""
        assert text.startswith("🔔 Alert: BTCUSDT price above 1,000.00\nNow: ")
        price = world.market.price("BTCUSDT")
        assert abs(float(text.rsplit(" ", 1)[1].replace(",", "")) - float(price)) < 0.05 * float(
            price
        )
        await alerts.add_rule(owner, RuleKind.SERVICE_DOWN, "grid", None)
        await world.backends.go_down("grid_trader")
        down = await app.client.wait_for_bot_messages(OWNER, count=2, timeout=15)
        assert down[1].text == "🔔 Alert: grid trader goes down"
        rules = await alerts.list_rules(owner)
        assert [r.fired_count for r in rules] == [1, 0, 1]
        assert len(await bot_texts(app, OWNER)) == 2
        assert await bot_texts(app, OTHER) == []

"""A deleted and re-created alert rule is a new rule: its first alert is never a repeat."""

from __future__ import annotations

from telegram_frontend.core.access import Actor, Role
from telegram_frontend.services.notifications.alert_rules import AlertService, RuleKind
from tests.e2e.harness import running_world
from tests.e2e.notifications.support import FAST_DELIVERY, bot_texts, subscribe

OWNER = 8101


async def test_a_recreated_rule_fires_again_after_its_predecessor_was_deleted(
    settings_env: dict[str, str], trading_database_url: str
) -> None:
    env = {**FAST_DELIVERY, "ALERT_POLL_SECONDS": "0.1"}
    async with running_world(settings_env, trading_database_url, extra_env=env) as world:
        app = world.app
        await subscribe(app, [OWNER])
        alerts = await app.frontend.container.get(AlertService)
        owner = Actor(role=Role.VIEWER, user_id=OWNER)
        first_ids = []
        for round_ in range(1, 4):
            rule = await alerts.add_rule(owner, RuleKind.PRICE_ABOVE, "BTCUSDT", "1000")
            first_ids.append(rule.id)
            fired = await app.client.wait_for_bot_messages(OWNER, count=round_, timeout=15)
            assert (fired[-1].text or "").startswith("🔔 Alert: BTCUSDT price above 1,000.00")
            await alerts.delete_rule(owner, rule.id)
        assert len(set(first_ids)) == 3, "a deleted rule's id was handed out again"
        assert len(await bot_texts(app, OWNER)) == 3

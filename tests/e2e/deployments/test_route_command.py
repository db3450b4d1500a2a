"""An admin routes one deployment's notifications to a group from the bot, as the API can."""

from __future__ import annotations

from sqlalchemy import select

from telegram_frontend.core.database import Database
from telegram_frontend.models import NotificationRoute
from tests.e2e.harness import World, text_of

GROUP = -1007100


async def test_a_route_limited_to_one_deployment_is_stored_listed_and_removed(
    two_worlds: World,
) -> None:
    app = two_worlds.app
    admin = await app.admin()
    await app.client.register_chat(GROUP, chat_type="supergroup", title="Mainnet desk")
    routed = text_of(await admin.send(f"/alerts route risk {GROUP} 4 mainnet"))
    assert (
        routed == f"✅ Risk notifications also go to chat {GROUP}. Topic: 4. Deployment: mainnet."
    )
    listed = text_of(await admin.send("/alerts routes"))
    assert listed == f"Routes to group chats\nRisk → {GROUP} / 4 (mainnet)"
    db = await app.frontend.container.get(Database)
    async with db.session() as session:
        rows = (await session.scalars(select(NotificationRoute))).all()
    assert [(r.chat_id, r.thread_id, r.deployment) for r in rows] == [(GROUP, 4, "mainnet")]
    unknown = text_of(await admin.send(f"/alerts route risk {GROUP} 4 moon"))
    assert unknown.startswith("❌ There is no deployment called “moon”.")
    removed = text_of(await admin.send(f"/alerts unroute risk {GROUP} mainnet"))
    assert removed == f"✅ Risk notifications no longer go to chat {GROUP}. Deployment: mainnet."
    assert text_of(await admin.send("/alerts routes")) == (
        "No routes: notifications go to users only."
    )

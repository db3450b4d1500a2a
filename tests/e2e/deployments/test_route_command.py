"""From the bot: an admin routes one deployment's notifications to a group; a user mutes one."""

from __future__ import annotations

from sqlalchemy import select

from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.database import Database
from telegram_frontend.models import NotificationRoute
from telegram_frontend.services.notifications.preferences import NotificationPreferences
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


async def test_a_user_mutes_and_unmutes_a_deployment_from_the_bot(two_worlds: World) -> None:
    viewer = await two_worlds.app.user_with_role(7110, Role.VIEWER)
    muted = text_of(await viewer.send("/alerts mute Mainnet"))
    assert muted == (
        "✅ You are no longer told about mainnet; your own alert rules still reach you."
    )
    settings = text_of(await viewer.send("/alerts"))
    assert "Muted deployments: mainnet." in settings
    prefs = await two_worlds.app.frontend.container.get(NotificationPreferences)
    view = await prefs.view(Actor(role=Role.VIEWER, user_id=7110))
    assert view.muted_deployments == ("mainnet",)
    unknown = text_of(await viewer.send("/alerts mute moon"))
    assert unknown.startswith("❌ There is no deployment called “moon”.")
    again = text_of(await viewer.send("/alerts unmute mainnet"))
    assert again == "✅ You are told about mainnet again."
    assert "Muted deployments" not in text_of(await viewer.send("/alerts"))

"""/alerts through the emulator: switching types, quiet hours, digests, a test, routes.

Every change is checked on screen (the message edited in place) and in what the core stores.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from telegram_frontend.core.access import Actor, Role
from telegram_frontend.services.notifications.preferences import NotificationPreferences
from telegram_frontend.services.notifications.service import NotificationService
from telegram_frontend.services.notifications.types import Mode, Notice, NoticeType
from tests.e2e.harness import RunningFrontend, running_frontend, text_of


@pytest.fixture
async def app(settings_env: dict[str, str]) -> AsyncIterator[RunningFrontend]:
    """The frontend with the per-user rate limit out of the way (its Redis counters are shared
    by every run within the minute on [pg]); each test also uses its own user."""
    async with running_frontend({**settings_env, "RATE_LIMIT_PER_MINUTE": "1000"}) as running:
        yield running


def _actor(user_id: int) -> Actor:
    return Actor(role=Role.VIEWER, user_id=user_id)


async def test_a_type_button_cycles_on_silent_off_and_edits_the_screen(
    app: RunningFrontend,
) -> None:
    viewer = await app.user_with_role(6001, Role.VIEWER)
    screen = await viewer.send("/alerts")
    assert text_of(screen).startswith("🔔 Notifications\n🔔 Trades: on\n🔔 System: on")
    first = await viewer.press("🔔 Trades")
    assert first.answer.text == "Trades: silent"
    assert first.edited is not None and "🔕 Trades: silent" in (first.edited.text or "")
    second = await viewer.press("🔕 Trades")
    assert second.edited is not None and "🚫 Trades: off" in (second.edited.text or "")
    assert second.new_messages == []
    prefs = await app.frontend.container.get(NotificationPreferences)
    assert (await prefs.view(_actor(6001))).modes[NoticeType.TRADES] is Mode.OFF
    service = await app.frontend.container.get(NotificationService)
    trade = Notice(type=NoticeType.TRADES, key="t1", render=lambda _a: "trade")
    assert await service.notify_now(trade) == []  # muted: nobody else subscribed
    reply = await viewer.send("/alerts trades on")
    assert text_of(reply) == "✅ Trades notifications: on."


async def test_quiet_hours_are_asked_for_and_bad_input_is_explained(app: RunningFrontend) -> None:
    viewer = await app.user_with_role(6011, Role.VIEWER)
    await viewer.send("/alerts")
    asked = await viewer.press("🌙 Quiet hours")
    assert "like 22:00 07:00, or off" in text_of(asked.new_messages)
    wrong = await viewer.send("25:00 07:00")
    assert text_of(wrong) == (
        "❌ Use the 24-hour format HH:MM, for example 22:00.\nTry again, or /cancel."
    )
    done = await viewer.send("22:00 07:00")
    assert text_of(done) == "✅ Quiet hours: 22:00–07:00 (UTC), sent without sound."
    assert "Quiet hours: 22:00–07:00 (UTC)" in text_of(await viewer.send("/alerts"))
    off = await viewer.send("/alerts quiet off")
    assert text_of(off) == "✅ Quiet hours: off."
    digest = await viewer.send("/alerts digest daily on")
    assert text_of(digest) == "✅ Digests: daily at 08:00 (UTC)."
    timed = await viewer.send("/alerts digest time fri 18:30")
    assert text_of(timed) == "✅ Digests: daily at 18:30 (UTC)."
    prefs = await app.frontend.container.get(NotificationPreferences)
    view = await prefs.view(_actor(6011))
    assert (view.digest_daily, view.digest_time, view.digest_weekday) == (True, "18:30", 4)
    unknown = await viewer.send("/alerts loud")
    assert text_of(unknown).startswith("❌ Unknown /alerts arguments.")


async def test_the_test_button_delivers_a_notification_through_the_outbox(
    app: RunningFrontend,
) -> None:
    viewer = await app.user_with_role(6041, Role.VIEWER)
    screen = await viewer.send("/alerts")
    pressed = await viewer.press("🧪 Send a test")
    assert pressed.answer.text == "A test notification is on its way."
    delivered = await app.client.wait_for_bot_messages(
        6041, after_message_id=screen[-1].message_id, count=1
    )
    assert (delivered[0].text or "").startswith("🔔 This is a test notification. Delivery works.")


async def test_only_admins_route_a_type_to_a_group_topic(app: RunningFrontend) -> None:
    viewer = await app.user_with_role(6051, Role.VIEWER)
    admin = await app.admin()
    refused = await viewer.send("/alerts route risk -100500 7")
    assert text_of(refused) == "This needs the admin role; you are viewer."
    await app.client.register_chat(-100500, chat_type="supergroup", title="Risk desk")
    routed = await admin.send("/alerts route risk -100500 7")
    assert text_of(routed) == "✅ Risk notifications also go to chat -100500. Topic: 7."
    listed = await admin.send("/alerts routes")
    assert text_of(listed) == "Routes to group chats\nRisk → -100500 / 7"
    service = await app.frontend.container.get(NotificationService)
    risk = Notice(type=NoticeType.RISK, key="r1", render=lambda _a: "drawdown!")
    await service.notify_now(risk)
    (posted,) = await app.client.wait_for_bot_messages(-100500)
    assert (posted.text, posted.message_thread_id) == ("drawdown!", 7)
    bad = await admin.send("/alerts route risk 12345")
    assert text_of(bad) == "❌ A route goes to a group or channel: its id is negative."
    removed = await admin.send("/alerts unroute risk -100500")
    assert text_of(removed) == "✅ Risk notifications no longer go to chat -100500."

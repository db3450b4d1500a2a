"""A thousand notifications to a hundred chats never meet flood control.

At Telegram's real rates this burst takes over half a minute, so the emulator's limits and our
dispatcher's rates are both scaled by the same factor: the proof is the same, ten times faster.
"""

from __future__ import annotations

from telegram_frontend.sandbox.telegram.flood import FloodLimits
from tests.e2e.harness import running_frontend
from tests.e2e.notifications.support import bot_texts, enqueue, subscribe, wait_settled

SCALE = 10


async def test_a_thousand_notifications_to_a_hundred_chats_at_scaled_limits_get_no_429(
    settings_env: dict[str, str],
) -> None:
    limits = FloodLimits(
        per_private_chat_per_s=1.0 * SCALE,
        per_group_per_min=20.0 * SCALE,
        global_per_s=30.0 * SCALE,
    )
    env = {
        **settings_env,
        "TELEGRAM_PRIVATE_CHAT_RATE_PER_SECOND": str(1.0 * SCALE),
        "TELEGRAM_GROUP_RATE_PER_MINUTE": str(20.0 * SCALE),
        "TELEGRAM_GLOBAL_RATE_PER_SECOND": str(30.0 * SCALE),
        "NOTIFY_CONCURRENCY": "16",
    }
    chats = list(range(4001, 4101))
    async with running_frontend(env, limits=limits) as app:
        await subscribe(app, chats)
        for n in range(10):
            await enqueue(app, f"m{n}", chats)
        await wait_settled(app, 1000, timeout=60)
        stats = await app.client.stats()
        assert stats.flood_429 == 0
        assert stats.calls["sendMessage"] == 1000
        for chat in chats[::9]:
            assert await bot_texts(app, chat) == [f"notice m{n}" for n in range(10)]

"""A burst at Telegram's real limits never meets flood control.

The emulator enforces Telegram's default limits (`FloodLimits()`: 30/s overall, 1/s per private
chat, short bursts tolerated); our dispatcher runs with its default rates.
"""

from __future__ import annotations

import time

from telegram_frontend.sandbox.telegram.flood import FloodLimits
from tests.e2e.harness import running_frontend
from tests.e2e.notifications.support import bot_texts, enqueue, subscribe, wait_settled


async def test_a_burst_at_telegrams_default_limits_gets_no_429(
    settings_env: dict[str, str],
) -> None:
    chats = list(range(3001, 3011))
    async with running_frontend(settings_env, limits=FloodLimits()) as app:
        await subscribe(app, chats)
        started = time.monotonic()
        for n in range(10):
            await enqueue(app, f"b{n}", chats)
        await wait_settled(app, 100, timeout=40)
        elapsed = time.monotonic() - started
        stats = await app.client.stats()
        assert stats.flood_429 == 0
        assert stats.calls["sendMessage"] == 100
        for chat in chats:
            assert await bot_texts(app, chat) == [f"notice b{n}" for n in range(10)]
        assert elapsed >= 8.5, "1 message per second per chat cannot deliver 10 faster"

"""A 429 storm: Telegram refuses most sends with "retry after N" while users keep asking.

The dispatcher is configured ten times faster than Telegram allows (as when another process
shares the bot token), and the emulator adds a burst of scripted 429s on top of its real flood
control. Every notification still arrives once and in order, and every command is answered once.
"""

from __future__ import annotations

import asyncio

import pytest

from drills.support import (
    FAST_RETRIES,
    add_users,
    bot_texts,
    delivery_report,
    enqueue,
    eventually,
    settled_rows,
)
from telegram_frontend.core.database import Database
from telegram_frontend.sandbox.telegram.flood import FloodLimits
from tests.e2e.harness import running_frontend

pytestmark = pytest.mark.parametrize("backend", ["embedded"], indirect=True)

TELEGRAM = FloodLimits(per_private_chat_per_s=1.0, global_per_s=30.0, private_burst=3)
TOO_FAST = {
    "TELEGRAM_GLOBAL_RATE_PER_SECOND": "300",
    "TELEGRAM_PRIVATE_CHAT_RATE_PER_SECOND": "10",
}
NOTIFIED = list(range(62_001, 62_007))
ASKING = list(range(62_101, 62_104))
NOTICES = [f"storm-{n}" for n in range(6)]
COMMANDS_EACH = 6


async def test_a_429_storm_loses_nothing_and_repeats_nothing(
    settings_env: dict[str, str],
) -> None:
    env = {**settings_env, **FAST_RETRIES, **TOO_FAST}
    async with running_frontend(env, limits=TELEGRAM) as app:
        emulator, client = app.emulator, app.client
        db = await app.frontend.container.get(Database)
        for chat in NOTIFIED + ASKING:
            await client.register_chat(chat)
        await add_users(db, NOTIFIED + ASKING, "viewer")
        help_size = len(await app.chat(ASKING[0]).send("/help"))
        await asyncio.sleep(help_size)  # that chat's flood allowance is back
        before = {chat: len(bot_texts(emulator, chat)) for chat in ASKING}

        await client.add_fault("sendMessage", 429, count=25, retry_after=1)
        queued = await enqueue(db, NOTICES, NOTIFIED)
        for _ in range(COMMANDS_EACH):
            for chat in ASKING:
                await client.send_message(chat, "/help")

        async def all_through() -> bool:
            answered = all(
                len(bot_texts(emulator, chat)) - before[chat] >= COMMANDS_EACH * help_size
                for chat in ASKING
            )
            return answered and await settled_rows(db) >= queued

        await eventually(all_through, 50, "every command answered and every notice settled")
        await asyncio.sleep(1.0)  # a repeated send would land now

        lost, duplicated, disordered = delivery_report(emulator, NOTIFIED, NOTICES)
        assert (lost, duplicated, disordered) == (0, 0, [])
        for chat in ASKING:
            answers = len(bot_texts(emulator, chat)) - before[chat]
            assert answers == COMMANDS_EACH * help_size, f"chat {chat}: {answers} answers"
        assert emulator.stats.flood_429 > 25, "the storm did not happen"

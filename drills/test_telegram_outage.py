"""Telegram down for 30 s (5xx answers and answers slower than our timeout), scaled ten times.

Everything that happens meanwhile waits at Telegram (users' commands) or in our outbox
(notifications); once Telegram answers again every command is answered once and every
notification arrives once, in order. The outage starts only after the bot's long poll in flight
has ended, so "meanwhile" means what was really queued while Telegram failed every call.
"""

from __future__ import annotations

import asyncio
import time

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
from tests.e2e.harness import running_frontend

pytestmark = pytest.mark.parametrize("backend", ["embedded"], indirect=True)

SCALE = 10
OUTAGE_S = 30 / SCALE
NOTIFIED = list(range(61_001, 61_006))
ASKING = list(range(61_101, 61_104))
COMMANDS_EACH = 4
NOTICES = [f"outage-{n}" for n in range(8)]


async def test_a_telegram_outage_loses_and_repeats_nothing_queued_meanwhile(
    settings_env: dict[str, str],
) -> None:
    async with running_frontend({**settings_env, **FAST_RETRIES}) as app:
        emulator, client = app.emulator, app.client
        db = await app.frontend.container.get(Database)
        for chat in NOTIFIED + ASKING:
            await client.register_chat(chat)
        await add_users(db, NOTIFIED + ASKING, "viewer")
        help_size = len(await app.chat(ASKING[0]).send("/help"))
        before = {chat: len(bot_texts(emulator, chat)) for chat in ASKING}

        await client.add_fault("sendMessage", 504, count=4, delay_s=1.5)  # we time out at 1 s
        await client.add_fault("getUpdates", 504, count=2, delay_s=1.0)
        await client.add_fault("*", 502, count=1_000_000)
        started = time.monotonic()
        polls_refused = emulator.stats.errors_by_method["getUpdates"]

        async def poll_refused() -> bool:
            return emulator.stats.errors_by_method["getUpdates"] > polls_refused

        await eventually(poll_refused, 15, "the long poll in flight to end and the next to fail")
        queued = await enqueue(db, NOTICES, NOTIFIED)
        for _ in range(COMMANDS_EACH):
            for chat in ASKING:
                await client.send_message(chat, "/help")
            await asyncio.sleep(OUTAGE_S / (COMMANDS_EACH + 1))
        await asyncio.sleep(max(0.0, OUTAGE_S - (time.monotonic() - started)))
        refused_during = emulator.stats.errors_by_code.copy()
        await client.clear_faults()

        async def all_through() -> bool:
            answered = all(
                len(bot_texts(emulator, chat)) - before[chat] >= COMMANDS_EACH * help_size
                for chat in ASKING
            )
            return answered and await settled_rows(db) >= queued

        await eventually(all_through, 40, "every command answered and every notice settled")
        await asyncio.sleep(1.0)  # a repeated send would land now

        lost, duplicated, disordered = delivery_report(emulator, NOTIFIED, NOTICES)
        assert (lost, duplicated, disordered) == (0, 0, [])
        for chat in ASKING:
            answers = len(bot_texts(emulator, chat)) - before[chat]
            assert answers == COMMANDS_EACH * help_size, f"chat {chat}: {answers} answers"
        assert refused_during[502] > 0 and refused_during[504] > 0

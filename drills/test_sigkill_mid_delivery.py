"""`tgfront run` killed with SIGKILL in the middle of delivering a backlog, then started again.

No shutdown code runs: rows the dead process was sending stay leased until their lease ends,
then the new process takes them over. Every notification arrives; the only repeats allowed are
the documented at-least-once window: sends Telegram accepted whose "sent" mark died with the
process, at most the dispatcher's in-flight batch (NOTIFY_CONCURRENCY).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from drills.support import add_users, delivery_report, enqueue, eventually, settled_rows
from telegram_frontend.core import migrator
from telegram_frontend.core.database import Database
from telegram_frontend.sandbox.frontend_process import FrontendProcess
from telegram_frontend.sandbox.telegram.emulator import TelegramEmulator
from telegram_frontend.sandbox.telegram.flood import FloodLimits
from telegram_frontend.sandbox.world import SANDBOX_SECRET_KEY, SANDBOX_TOKEN

CHATS = list(range(63_001, 63_011))
NOTICES = [f"kill-{n}" for n in range(20)]
IN_FLIGHT = 8
KILL_AFTER = 60


@pytest.fixture
async def emulator() -> AsyncIterator[TelegramEmulator]:
    emu = TelegramEmulator(limits=FloodLimits(enabled=False))
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


def sent(emulator: TelegramEmulator) -> int:
    return emulator.stats.calls.get("sendMessage", 0)


async def test_a_killed_frontend_restarts_and_delivers_everything_within_the_window(
    emulator: TelegramEmulator, tmp_path: Path
) -> None:
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'frontend.db'}"
    db = Database(db_url)
    await migrator.upgrade(db)
    for chat in CHATS:
        emulator.world.register_chat(chat, "private")
    await add_users(db, CHATS, "viewer")
    queued = await enqueue(db, NOTICES, CHATS)
    env = {
        "TELEGRAM_BOT_TOKEN": SANDBOX_TOKEN,
        "TELEGRAM_API_BASE": emulator.base_url,
        "DATABASE_URL": db_url,
        "SECRET_KEY": SANDBOX_SECRET_KEY,
        "TELEGRAM_GLOBAL_RATE_PER_SECOND": "40",
        "TELEGRAM_PRIVATE_CHAT_RATE_PER_SECOND": "10",
        "NOTIFY_CONCURRENCY": str(IN_FLIGHT),
        "NOTIFY_LEASE_SECONDS": "2",
    }
    first = FrontendProcess(env, tmp_path / "first.log")
    second = FrontendProcess(env, tmp_path / "second.log")
    try:
        first.spawn()

        async def some_sent() -> bool:
            return sent(emulator) >= KILL_AFTER

        await eventually(some_sent, 60, f"{KILL_AFTER} deliveries before the kill")
        first.kill()
        at_kill = sent(emulator)
        assert at_kill < queued, "the backlog was delivered before the kill"
        await second.start()

        async def all_settled() -> bool:
            return await settled_rows(db) >= queued

        await eventually(all_settled, 60, "every notification settled after the restart")
        await asyncio.sleep(1.0)  # a repeated send would land now
    finally:
        first.kill()
        await second.stop()
        await db.dispose()

    lost, duplicated, disordered = delivery_report(emulator, CHATS, NOTICES)
    print(f"SIGKILL after {at_kill}/{queued} sends: lost {lost}, repeated {duplicated}")
    assert lost == 0
    assert duplicated <= IN_FLIGHT, f"{duplicated} repeats, more than the in-flight batch"
    assert sent(emulator) == queued + duplicated
    assert disordered == [] or duplicated > 0  # a repeat shows up out of place, nothing else
    assert "Traceback" not in second.log_text()

"""Webhook mode, two `tgfront run` replicas on one database: the one Telegram posts to answers
200 for a batch of commands and is killed with SIGKILL while its replies are being sent.

No shutdown code runs. The updates it acknowledged are rows of the webhook inbox leased to it;
when the lease ends, the other replica takes them over and answers each one, exactly once (the
dead replica's replies are held in the emulator and end in a dropped connection, so none of them
is delivered: every reply in the chats is the survivor's).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from drills.support import add_users, bot_texts, eventually
from telegram_frontend.core import migrator
from telegram_frontend.core.database import Database
from telegram_frontend.models import WebhookUpdate
from telegram_frontend.sandbox.frontend_process import FrontendProcess, free_port
from telegram_frontend.sandbox.telegram.emulator import TelegramEmulator
from telegram_frontend.sandbox.telegram.emulator_client import EmulatorClient
from telegram_frontend.sandbox.telegram.flood import FloodLimits
from telegram_frontend.sandbox.world import SANDBOX_TOKEN

CHATS = list(range(65_001, 65_013))
LEASE_S = 2.0
SECRET = "drill_webhook_secret_0123456789"  # noqa: S105 - a test value


@pytest.fixture
async def emulator() -> AsyncIterator[TelegramEmulator]:
    emu = TelegramEmulator(limits=FloodLimits(enabled=False), allow_insecure_webhooks=True)
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


def replica_env(settings_env: dict[str, str], emulator: TelegramEmulator) -> dict[str, str]:
    port = free_port()
    return {
        **settings_env,
        "TELEGRAM_BOT_TOKEN": SANDBOX_TOKEN,
        "TELEGRAM_API_BASE": emulator.base_url,
        "TELEGRAM_MODE": "webhook",
        "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_WEBHOOK_KEEP_ON_STOP": "true",
        "TELEGRAM_WEBHOOK_LEASE_SECONDS": str(LEASE_S),
        "HTTP_PORT": str(port),
        "RATE_LIMIT_PER_MINUTE": "100000",
    }


async def test_updates_acknowledged_by_a_killed_replica_are_answered_once_by_the_other(
    settings_env: dict[str, str], emulator: TelegramEmulator, tmp_path: Path
) -> None:
    db = Database(settings_env["DATABASE_URL"])
    await migrator.upgrade(db)
    for chat in CHATS:
        emulator.world.register_chat(chat, "private")
    await add_users(db, CHATS, "viewer")
    survivor = FrontendProcess(replica_env(settings_env, emulator), tmp_path / "survivor.log")
    doomed = FrontendProcess(replica_env(settings_env, emulator), tmp_path / "doomed.log")
    client = EmulatorClient(emulator.base_url)
    try:
        await survivor.start(timeout_s=60)
        await doomed.start(timeout_s=60)  # registered last: Telegram posts to this one

        async def hooked_to_doomed() -> bool:
            return str(emulator.context.webhook.info()["url"]).startswith(doomed.base_url)

        await eventually(hooked_to_doomed, 30, "the webhook to point at the doomed replica")
        await client.add_fault("sendMessage", "drop", count=len(CHATS), delay_s=30.0)
        for chat in CHATS:
            await client.send_message(chat, "/help")

        async def all_mid_reply() -> bool:
            # every update acknowledged with a 200, and every reply held in the emulator
            return emulator.stats.webhook_deliveries == len(CHATS) and not emulator.faults.rules

        await eventually(all_mid_reply, 30, "every reply of the doomed replica to be under way")
        doomed.kill()

        async def all_answered() -> bool:
            return all(bot_texts(emulator, chat) for chat in CHATS)

        await eventually(all_answered, 30 + 4 * LEASE_S, "every command answered by the survivor")
        await asyncio.sleep(1.0 + LEASE_S)  # a second answer would land now
        async with db.session() as session:
            rows = (
                await session.execute(select(WebhookUpdate.status, WebhookUpdate.attempts))
            ).all()
    finally:
        doomed.kill()
        await survivor.stop()
        await client.aclose()
        await db.dispose()

    answers = {chat: bot_texts(emulator, chat) for chat in CHATS}
    replies = sorted(len(texts) for texts in answers.values())
    print(f"SIGKILL with {len(CHATS)} updates acknowledged: replies per chat {replies}")
    assert all(len(texts) == 1 for texts in answers.values()), answers
    assert all(texts[0].startswith("Commands you can use") for texts in answers.values())
    # every update was the dead replica's first and the survivor's second attempt, and is done
    assert sorted(rows) == [("done", 2)] * len(CHATS)
    assert "Traceback" not in survivor.log_text()

"""Webhook mode: an update the replica acknowledged (200) and then died with is answered by the
replica that takes over, exactly once.

The dying replica's reply is held inside the emulator (a slow send that ends in a dropped
connection, so the emulator never delivers it), so it is surely mid-update when its handling
task and its lease keeper are cancelled, as a killed process would stop. A fresh intake with its
own lease owner (a second replica, sharing this process's dispatcher: aiogram's router tree has
one parent per process) takes the update over once the lease ends. The emulator's chat history
is the proof. drills/test_sigkill_mid_update.py does the same with two real processes and SIGKILL.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest

from telegram_frontend.api.webhook import WebhookIntake
from telegram_frontend.core.database import Database
from telegram_frontend.sandbox.telegram.emulator import TelegramEmulator
from telegram_frontend.services.intake.webhook_inbox import WebhookInbox
from telegram_frontend.workers.webhook_takeover import WebhookTakeover
from tests.e2e.harness import (
    ADMIN_ID,
    RunningFrontend,
    text_of,
    wait_for,
)
from tests.e2e.webhook_support import *  # noqa: F403 (the emulator fixture)
from tests.e2e.webhook_support import SECRET, update_from, webhook_frontend

LEASE_S = 1.0


@pytest.fixture
async def replica(
    settings_env: dict[str, str], emulator: TelegramEmulator
) -> AsyncIterator[RunningFrontend]:
    lease = {"TELEGRAM_WEBHOOK_LEASE_SECONDS": str(LEASE_S)}
    async with webhook_frontend(settings_env, emulator, **lease) as app:
        yield app


async def die(replica: RunningFrontend) -> None:
    """Cancel the replica's lease keeper, then what it is handling: nothing of it renews now."""
    intake = replica.frontend.webhook
    assert intake is not None
    keeper = next(t for t in replica.frontend._tasks if t.get_name() == WebhookTakeover.name)
    tasks = [keeper, *intake._tasks]
    for task in tasks:
        task.cancel()
    await asyncio.wait(tasks, timeout=10)


@dataclass
class Replica:
    intake: WebhookIntake
    keeper: WebhookTakeover


@asynccontextmanager
async def second_replica(replica: RunningFrontend) -> AsyncIterator[Replica]:
    """Another intake and lease keeper on the same database, with a lease owner of its own."""
    assert replica.frontend.dispatcher is not None
    inbox = WebhookInbox(
        await replica.frontend.container.get(Database),
        replica.frontend.bot.id,
        lease_seconds=LEASE_S,
    )
    intake = WebhookIntake(replica.frontend.dispatcher, replica.frontend.bot, SECRET, inbox)
    keeper = WebhookTakeover(inbox, intake, interval=LEASE_S / 3)
    running = asyncio.create_task(keeper.run())
    try:
        yield Replica(intake, keeper)
    finally:
        running.cancel()
        await asyncio.wait([running], timeout=10)


async def test_an_update_whose_replica_died_after_its_200_is_answered_once_by_another(
    replica: RunningFrontend, emulator: TelegramEmulator
) -> None:
    admin = await replica.admin()
    await replica.client.add_fault("sendMessage", "drop", delay_s=5.0)
    await admin.send_silently("/help")

    async def mid_reply() -> bool:
        # acknowledged (the emulator took it off its queue), and its reply is being sent
        stats = await replica.client.stats()
        return emulator.faults.rules == [] and stats.webhook_deliveries == 1

    await wait_for(mid_reply, what="the replica to be sending its reply")
    assert replica.frontend.webhook is not None and replica.frontend.webhook.accepted == 1
    await die(replica)
    async with second_replica(replica) as other:
        replies = await replica.client.wait_for_bot_messages(ADMIN_ID, timeout=10 + 2 * LEASE_S)
        await asyncio.sleep(1.0 + LEASE_S)  # a second answer would have landed by now
        assert replies == await replica.client.wait_for_bot_messages(ADMIN_ID)
        assert len(replies) == 1 and text_of(replies).startswith("Commands you can use")
        assert other.keeper.taken_over == 1
        assert await other.keeper.inbox.counts() == {"done": 1}


async def test_an_update_held_under_a_live_replicas_lease_is_not_taken_over(
    replica: RunningFrontend,
) -> None:
    """The lease keeper renews what its replica is handling: a slow reply is never sent twice."""
    admin = await replica.admin()
    await replica.client.add_fault("sendMessage", 200, delay_s=4 * LEASE_S)
    async with second_replica(replica) as other:
        replies = await admin.send("/help", timeout=10 + 4 * LEASE_S)
        await asyncio.sleep(1.0 + 4 * LEASE_S)  # a copy taken over would have landed by now
        assert replies == await replica.client.wait_for_bot_messages(ADMIN_ID)
        assert len(replies) == 1 and text_of(replies).startswith("Commands you can use")
        assert other.keeper.taken_over == 0
        assert await other.keeper.inbox.counts() == {"done": 1}


async def test_a_resend_reaching_another_replica_is_not_answered_again(
    replica: RunningFrontend,
) -> None:
    """Telegram resends an update whose 200 it missed; the balancer may hand it to another
    replica, which finds it in the shared inbox."""
    await replica.client.register_chat(4242)
    body = json.dumps(update_from(4242, "/help", 900020)).encode()
    assert replica.frontend.webhook is not None
    async with second_replica(replica) as other:
        assert await replica.frontend.webhook.receive(body)
        assert not await other.intake.receive(body)
        replies = await replica.client.wait_for_bot_messages(4242)
        await asyncio.sleep(0.5)
        assert len(await replica.client.wait_for_bot_messages(4242)) == len(replies) == 1
        assert other.intake.repeated == 1

"""Dispatchers that die, or run side by side: every notification still arrives exactly once.

A cancelled dispatcher finishes what it was sending and hands back the rest; rows leased by one
that died outright are taken over when the lease ends; two dispatchers never share a row. The
chats' histories in the emulator are the proof.
"""

from __future__ import annotations

import asyncio

from telegram_frontend.ioc.workers import build_dispatcher
from telegram_frontend.services.notifications.outbox import OutboxStore
from tests.e2e.harness import running_frontend, wait_for
from tests.e2e.notifications.support import (
    FAST_DELIVERY,
    bot_texts,
    enqueue,
    subscribe,
    wait_settled,
)

CHATS = [2001, 2002, 2003, 2004]


async def test_a_killed_dispatcher_leaves_no_loss_and_no_duplicate_to_a_fresh_one(
    settings_env: dict[str, str],
) -> None:
    async with running_frontend({**settings_env, **FAST_DELIVERY}) as app:
        await subscribe(app, CHATS)
        # Every send takes half a second, so the dispatcher is surely mid-queue when it is killed
        # (40 sends need seconds), however slow the machine is to notice the first deliveries.
        await app.client.add_fault("sendMessage", 200, count=1000, delay_s=0.5)
        for n in range(10):
            await enqueue(app, f"k{n}", CHATS)

        async def some_delivered() -> bool:
            return (await app.client.stats()).calls.get("sendMessage", 0) >= 8

        await wait_for(some_delivered, what="the first deliveries")
        task = next(t for t in app.frontend._tasks if t.get_name() == "notification_dispatcher")
        task.cancel()
        await asyncio.wait([task], timeout=10)
        delivered_at_kill = (await app.client.stats()).calls["sendMessage"]
        assert delivered_at_kill < 40, "the dispatcher finished before it could be killed"
        await app.client.clear_faults()
        fresh = await build_dispatcher(app.frontend.container, app.settings)
        runner = asyncio.create_task(fresh.run())
        try:
            await wait_settled(app, 40)
        finally:
            runner.cancel()
            await asyncio.wait([runner], timeout=10)
        for chat in CHATS:
            assert await bot_texts(app, chat) == [f"notice k{n}" for n in range(10)]
        assert (await app.client.stats()).calls["sendMessage"] == 40


async def test_rows_leased_by_a_dead_dispatcher_are_taken_over_when_the_lease_ends(
    settings_env: dict[str, str],
) -> None:
    async with running_frontend({**settings_env, **FAST_DELIVERY}) as app:
        await subscribe(app, [2201, 2202])
        store = await app.frontend.container.get(OutboxStore)
        task = next(t for t in app.frontend._tasks if t.get_name() == "notification_dispatcher")
        task.cancel()
        await asyncio.wait([task], timeout=10)
        for n in range(3):
            await enqueue(app, f"d{n}", [2201, 2202])
        dead = await store.claim("dead-host:1:deadbeef", 10, lease_seconds=1.0)
        assert len(dead) == 2  # the head of each chat, leased and never settled
        fresh = await build_dispatcher(app.frontend.container, app.settings)
        runner = asyncio.create_task(fresh.run())
        try:
            await wait_settled(app, 6, timeout=15)
        finally:
            runner.cancel()
            await asyncio.wait([runner], timeout=10)
        for chat in (2201, 2202):
            assert await bot_texts(app, chat) == [f"notice d{n}" for n in range(3)]


async def test_two_dispatchers_side_by_side_send_every_row_exactly_once(
    settings_env: dict[str, str],
) -> None:
    async with running_frontend({**settings_env, **FAST_DELIVERY}) as app:
        await subscribe(app, CHATS)
        second = await build_dispatcher(app.frontend.container, app.settings)
        runner = asyncio.create_task(second.run())
        try:
            for n in range(12):
                await enqueue(app, f"t{n}", CHATS)
            await wait_settled(app, 48)
        finally:
            runner.cancel()
            await asyncio.wait([runner], timeout=10)
        for chat in CHATS:
            assert await bot_texts(app, chat) == [f"notice t{n}" for n in range(12)]
        assert (await app.client.stats()).calls["sendMessage"] == 48

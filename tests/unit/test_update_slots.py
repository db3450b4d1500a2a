"""A reply waiting out a 429 lends its update slot (security review finding 3: 200 strangers'
replies held all 32 slots for up to 60 s and a trader's /help took 49 s)."""

from __future__ import annotations

import asyncio
import time

from telegram_frontend.clients.telegram_session import UpdateSlots, sleep_without_slot


async def test_a_handler_sleeping_through_a_429_does_not_hold_its_slot() -> None:
    slots = UpdateSlots(2)
    woke: list[str] = []

    async def flooded(name: str) -> None:
        async with slots.hold():
            await sleep_without_slot(0.5)  # what FloodRetryMiddleware does on a 429
            woke.append(name)

    async def quick() -> float:
        started = time.monotonic()
        async with slots.hold():
            return time.monotonic() - started

    waiting = [asyncio.create_task(flooded(f"stranger{n}")) for n in range(10)]
    await asyncio.sleep(0.05)
    assert await asyncio.wait_for(quick(), 0.2) < 0.1  # the trader's /help gets a slot at once
    await asyncio.gather(*waiting)
    assert sorted(woke) == sorted(f"stranger{n}" for n in range(10))  # every reply still sent
    assert slots.free == 2


async def test_a_plain_sleep_outside_a_handler_is_just_a_sleep() -> None:
    slots = UpdateSlots(1)
    async with slots.hold():
        task = asyncio.create_task(sleep_without_slot(0.01))  # another task: not the owner
        await task
        assert slots.free == 0
    assert slots.free == 1

"""The short-lived read cache: one fetch serves a burst, failures and stale fetches are not kept."""

from __future__ import annotations

import asyncio

import pytest

from telegram_frontend.core.caching.ttl_cache import TtlCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Backend:
    """Counts the questions it is asked; answers after `release` is set."""

    def __init__(self) -> None:
        self.asked = 0
        self.release = asyncio.Event()
        self.release.set()

    async def answer(self) -> int:
        self.asked += 1
        await self.release.wait()
        return self.asked


async def test_a_burst_of_callers_costs_one_fetch() -> None:
    backend, cache = Backend(), TtlCache[int](1.0)
    backend.release.clear()
    waiting = [asyncio.create_task(cache.get("k", backend.answer)) for _ in range(20)]
    await asyncio.sleep(0)
    backend.release.set()
    assert await asyncio.gather(*waiting) == [1] * 20
    assert backend.asked == 1


async def test_a_value_is_served_until_it_expires_then_fetched_again() -> None:
    clock, backend = Clock(), Backend()
    cache = TtlCache[int](2.0, clock=clock)
    assert await cache.get("k", backend.answer) == 1
    clock.now = 1.9
    assert await cache.get("k", backend.answer) == 1
    clock.now = 2.0
    assert await cache.get("k", backend.answer) == 2
    assert await cache.get("other", backend.answer) == 3


async def test_a_failure_reaches_every_waiter_and_is_not_kept() -> None:
    cache, calls = TtlCache[int](60.0), []

    async def failing() -> int:
        calls.append(1)
        await asyncio.sleep(0)
        raise RuntimeError("backend down")

    results = await asyncio.gather(
        cache.get("k", failing), cache.get("k", failing), return_exceptions=True
    )
    assert [type(r) for r in results] == [RuntimeError, RuntimeError]
    assert len(calls) == 1
    with pytest.raises(RuntimeError):
        await cache.get("k", failing)
    assert len(calls) == 2


async def test_a_caller_that_gives_up_leaves_the_fetch_to_the_others() -> None:
    backend, cache = Backend(), TtlCache[int](60.0)
    backend.release.clear()
    impatient = asyncio.create_task(cache.get("k", backend.answer))
    patient = asyncio.create_task(cache.get("k", backend.answer))
    await asyncio.sleep(0)
    impatient.cancel()
    backend.release.set()
    assert await patient == 1
    assert impatient.cancelled()
    assert await cache.get("k", backend.answer) == 1


async def test_what_a_fetch_brings_back_after_an_invalidation_is_not_kept() -> None:
    backend, cache = Backend(), TtlCache[int](60.0)
    backend.release.clear()
    before = asyncio.create_task(cache.get("k", backend.answer))
    await asyncio.sleep(0)
    cache.invalidate()
    backend.release.set()
    assert await before == 1
    assert await cache.get("k", backend.answer) == 2
    assert cache.generation == 1


async def test_ttl_zero_always_fetches() -> None:
    backend, cache = Backend(), TtlCache[int](0)
    assert [await cache.get("k", backend.answer) for _ in range(3)] == [1, 2, 3]

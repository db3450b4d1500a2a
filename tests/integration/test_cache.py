"""The cache interface behaves the same in-process and on Redis."""

from __future__ import annotations

import asyncio

from telegram_frontend.core.caching.cache import Cache
from telegram_frontend.core.caching.rate_limiter import RateLimiter


async def test_set_get_delete(cache: Cache) -> None:
    assert await cache.get("k") is None
    await cache.set("k", "v")
    assert await cache.get("k") == "v"
    await cache.delete("k")
    assert await cache.get("k") is None


async def test_values_expire(cache: Cache) -> None:
    await cache.set("short", "1", ttl=0.05)
    assert await cache.get("short") == "1"
    await asyncio.sleep(0.12)
    assert await cache.get("short") is None


async def test_add_only_when_absent(cache: Cache) -> None:
    assert await cache.add("once", "a", ttl=5) is True
    assert await cache.add("once", "b", ttl=5) is False
    assert await cache.get("once") == "a"


async def test_pop_returns_a_value_exactly_once_even_when_raced(cache: Cache) -> None:
    await cache.set("token", "payload", ttl=5)
    results = await asyncio.gather(*(cache.pop("token") for _ in range(10)))
    assert results.count("payload") == 1
    assert results.count(None) == 9


async def test_incr_counts_within_a_window(cache: Cache) -> None:
    counts = await asyncio.gather(*(cache.incr("counter", ttl=5) for _ in range(25)))
    assert sorted(counts) == list(range(1, 26))


async def test_rate_limiter_allows_the_limit_then_warns_once(cache: Cache) -> None:
    limiter = RateLimiter(cache, limit=3, window=60)
    decisions = [await limiter.hit("user-1") for _ in range(6)]
    assert [d.allowed for d in decisions] == [True, True, True, False, False, False]
    assert [d.warn for d in decisions] == [False, False, False, True, False, False]
    assert (await limiter.hit("user-2")).allowed

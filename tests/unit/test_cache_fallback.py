"""The caches: Redis falls back to memory while unreachable; memory forgets what expired."""

from __future__ import annotations

from telegram_frontend.core.caching.cache import FallbackCache, MemoryCache, RedisSwitch
from telegram_frontend.sandbox.frontend_process import free_port


async def test_an_unreachable_redis_flips_to_memory_once_and_every_operation_works() -> None:
    now = [0.0]
    changes: list[bool] = []
    switch = RedisSwitch(retry_seconds=5, on_change=changes.append, clock=lambda: now[0])
    cache = FallbackCache(f"redis://127.0.0.1:{free_port()}/0", switch=switch)
    try:
        await cache.set("a", "1", ttl=60)
        assert await cache.get("a") == "1"
        assert await cache.add("a", "2") is False
        assert await cache.incr("n", ttl=60) == 1
        assert await cache.incr("n", ttl=60) == 2
        assert await cache.pop("a") == "1"
        await cache.ping()  # the cache as a whole works: a health check must not raise
        assert cache.fallback_active and "ConnectionError" in cache.fallback_error
        assert changes == [True]
        assert not switch.should_try()  # Redis is left alone until the retry time
        now[0] = 5.0
        assert switch.should_try()
    finally:
        await cache.close()


async def test_the_memory_cache_drops_expired_keys_that_are_never_read_again() -> None:
    cache = MemoryCache()
    now = [0.0]
    cache._clock = lambda: now[0]
    for window in range(3):  # a rate limit's key per minute, per user
        for user in range(MemoryCache.SWEEP_EVERY // 2):
            await cache.incr(f"rl:{user}:{window}", ttl=61)
        now[0] += 120
    assert len(cache._data) <= MemoryCache.SWEEP_EVERY

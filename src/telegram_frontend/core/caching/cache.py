"""A small key-value cache with one interface: Redis when `REDIS_URL` is set, in-process otherwise.

It backs rate limits, confirmation tokens and short-lived snapshots; the same tests run
against both implementations so the embedded default behaves like production. With Redis, a
`FallbackCache` keeps the bot working through a Redis outage (see there).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol, TypeVar

from telegram_frontend.core.logging import get_logger

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = get_logger(__name__)
T = TypeVar("T")


def redis_down_errors() -> tuple[type[BaseException], ...]:
    """What a failed Redis call raises. The client is imported only with `REDIS_URL` set: the
    embedded default never loads it (~6 MB of resident memory and ~0.15 s of start-up)."""
    from redis.exceptions import RedisError

    return (RedisError, OSError, TimeoutError)


RETRY_REDIS_SECONDS = 5.0


class Cache(Protocol):
    """What the services need from a cache; values are strings, TTLs are seconds."""

    name: str

    async def get(self, key: str) -> str | None: ...

    async def set(self, key: str, value: str, ttl: float | None = None) -> None: ...

    async def add(self, key: str, value: str, ttl: float | None = None) -> bool:
        """Set only when absent; True when this call set it."""
        ...

    async def pop(self, key: str) -> str | None:
        """Get and delete in one atomic step (one-time tokens)."""
        ...

    async def delete(self, key: str) -> None: ...

    async def incr(self, key: str, ttl: float) -> int:
        """Increment a counter; the TTL starts with the first increment (fixed windows)."""
        ...

    async def ping(self) -> None: ...

    async def close(self) -> None: ...


class MemoryCache:
    """In-process cache for the embedded default and single-process deployments."""

    name = "memory"

    SWEEP_EVERY = 1000
    """Writes between two sweeps of expired keys (rate-limit windows are never read again)."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[str, float | None]] = {}
        self._lock = asyncio.Lock()
        self._clock = time.monotonic
        self._writes = 0

    def _wrote(self) -> None:
        """Count a write; every SWEEP_EVERY writes drop what has expired, read or not."""
        self._writes += 1
        if self._writes % self.SWEEP_EVERY == 0:
            now = self._clock()
            self._data = {
                k: item for k, item in self._data.items() if item[1] is None or item[1] > now
            }

    def _live(self, key: str) -> str | None:
        item = self._data.get(key)
        if item is None:
            return None
        value, expires = item
        if expires is not None and expires <= self._clock():
            del self._data[key]
            return None
        return value

    def _expiry(self, ttl: float | None) -> float | None:
        return None if ttl is None else self._clock() + ttl

    async def get(self, key: str) -> str | None:
        return self._live(key)

    async def set(self, key: str, value: str, ttl: float | None = None) -> None:
        self._data[key] = (value, self._expiry(ttl))
        self._wrote()

    async def add(self, key: str, value: str, ttl: float | None = None) -> bool:
        async with self._lock:
            if self._live(key) is not None:
                return False
            self._data[key] = (value, self._expiry(ttl))
            self._wrote()
            return True

    async def pop(self, key: str) -> str | None:
        async with self._lock:
            value = self._live(key)
            self._data.pop(key, None)
            return value

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)

    async def incr(self, key: str, ttl: float) -> int:
        async with self._lock:
            current = self._live(key)
            if current is None:
                self._data[key] = ("1", self._expiry(ttl))
                self._wrote()
                return 1
            expires = self._data[key][1]
            count = int(current) + 1
            self._data[key] = (str(count), expires)
            return count

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        self._data.clear()


class RedisCache:
    """Redis-backed cache; keys are namespaced so a shared Redis stays tidy."""

    name = "redis"

    def __init__(self, url: str, prefix: str = "tf:") -> None:
        from redis.asyncio import Redis

        self._redis: Redis = Redis.from_url(
            url, decode_responses=True, socket_timeout=3, socket_connect_timeout=3
        )
        self._prefix = prefix

    def _k(self, key: str) -> str:
        return self._prefix + key

    @staticmethod
    def _ms(ttl: float | None) -> int | None:
        return None if ttl is None else max(1, int(ttl * 1000))

    async def get(self, key: str) -> str | None:
        value = await self._redis.get(self._k(key))
        return None if value is None else str(value)

    async def set(self, key: str, value: str, ttl: float | None = None) -> None:
        await self._redis.set(self._k(key), value, px=self._ms(ttl))

    async def add(self, key: str, value: str, ttl: float | None = None) -> bool:
        return bool(await self._redis.set(self._k(key), value, px=self._ms(ttl), nx=True))

    async def pop(self, key: str) -> str | None:
        value = await self._redis.getdel(self._k(key))
        return None if value is None else str(value)

    async def delete(self, key: str) -> None:
        await self._redis.delete(self._k(key))

    async def incr(self, key: str, ttl: float) -> int:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(self._k(key))
            pipe.pexpire(self._k(key), self._ms(ttl) or 1, nx=True)
            count, _ = await pipe.execute()
        return int(count)

    async def ping(self) -> None:
        await self._redis.ping()

    async def close(self) -> None:
        await self._redis.aclose()

    @property
    def client(self) -> Redis:
        """The raw client, for aiogram's RedisStorage."""
        return self._redis


class RedisSwitch:
    """Whether Redis is being used or bypassed; shared by the cache and the FSM storage.

    After a failure Redis is left alone for `retry_seconds` (one slow or refused call per
    interval, not one per request); the first call after that tries it again.
    """

    def __init__(
        self,
        retry_seconds: float = RETRY_REDIS_SECONDS,
        on_change: Callable[[bool], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.retry_seconds = retry_seconds
        self.on_change = on_change
        self.clock = clock
        self.down = False
        self.error = ""
        self._retry_at = 0.0

    def should_try(self) -> bool:
        return not self.down or self.clock() >= self._retry_at

    def failed(self, exc: BaseException) -> None:
        self._retry_at = self.clock() + self.retry_seconds
        self.error = f"{type(exc).__name__}: {exc}"[:200]
        if not self.down:
            self.down = True
            log.warning("cache_fallback_on", error=self.error, backend="memory")
            if self.on_change is not None:
                self.on_change(True)

    def recovered(self) -> None:
        if self.down:
            self.down = False
            self.error = ""
            log.warning("cache_fallback_off", backend="redis")
            if self.on_change is not None:
                self.on_change(False)

    async def call(
        self, primary: Callable[[], Awaitable[T]], fallback: Callable[[], Awaitable[T]]
    ) -> T:
        """`primary()` while Redis answers, else `fallback()`; never raises a Redis error."""
        if self.should_try():
            try:
                result = await primary()
            except redis_down_errors() as exc:
                self.failed(exc)
            else:
                self.recovered()
                return result
        return await fallback()


class FallbackCache(RedisCache):
    """Redis, falling back to an in-process cache while Redis is unreachable, and back after.

    A Redis outage must not silence the bot: rate limits and confirmation tokens go on working
    per process meanwhile (a token issued before the outage cannot be confirmed during it, one
    issued during it not after). The switch is shown in /health/ready as status `fallback`.
    """

    def __init__(
        self,
        url: str,
        prefix: str = "tf:",
        *,
        switch: RedisSwitch | None = None,
    ) -> None:
        super().__init__(url, prefix)
        self.switch = switch or RedisSwitch()
        self.memory = MemoryCache()

    @property
    def fallback_active(self) -> bool:
        return self.switch.down

    @property
    def fallback_error(self) -> str:
        return self.switch.error

    async def get(self, key: str) -> str | None:
        return await self.switch.call(
            lambda: RedisCache.get(self, key), lambda: self.memory.get(key)
        )

    async def set(self, key: str, value: str, ttl: float | None = None) -> None:
        await self.switch.call(
            lambda: RedisCache.set(self, key, value, ttl),
            lambda: self.memory.set(key, value, ttl),
        )

    async def add(self, key: str, value: str, ttl: float | None = None) -> bool:
        return await self.switch.call(
            lambda: RedisCache.add(self, key, value, ttl),
            lambda: self.memory.add(key, value, ttl),
        )

    async def pop(self, key: str) -> str | None:
        return await self.switch.call(
            lambda: RedisCache.pop(self, key), lambda: self.memory.pop(key)
        )

    async def delete(self, key: str) -> None:
        await self.switch.call(
            lambda: RedisCache.delete(self, key), lambda: self.memory.delete(key)
        )

    async def incr(self, key: str, ttl: float) -> int:
        return await self.switch.call(
            lambda: RedisCache.incr(self, key, ttl), lambda: self.memory.incr(key, ttl)
        )

    async def ping(self) -> None:
        """Ask Redis now (health checks); while it is down the cache still works, so no raise."""
        try:
            await super().ping()
        except redis_down_errors() as exc:
            self.switch.failed(exc)
        else:
            self.switch.recovered()

    async def close(self) -> None:
        await self.memory.close()
        await super().close()


def create_cache(
    redis_url: str | None,
    prefix: str = "tf:",
    on_fallback: Callable[[bool], None] | None = None,
) -> Cache:
    """Redis with an in-process fallback when `redis_url` is set, else in-process only."""
    if not redis_url:
        return MemoryCache()
    return FallbackCache(redis_url, prefix, switch=RedisSwitch(on_change=on_fallback))

"""A small key-value cache with one interface: Redis when `REDIS_URL` is set, in-process otherwise.

It backs rate limits, confirmation tokens and short-lived snapshots; the same tests run
against both implementations so the embedded default behaves like production.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

from redis.asyncio import Redis


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

    def __init__(self) -> None:
        self._data: dict[str, tuple[str, float | None]] = {}
        self._lock = asyncio.Lock()
        self._clock = time.monotonic

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

    async def add(self, key: str, value: str, ttl: float | None = None) -> bool:
        async with self._lock:
            if self._live(key) is not None:
                return False
            self._data[key] = (value, self._expiry(ttl))
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


def create_cache(redis_url: str | None, prefix: str = "tf:") -> Cache:
    return RedisCache(redis_url, prefix) if redis_url else MemoryCache()

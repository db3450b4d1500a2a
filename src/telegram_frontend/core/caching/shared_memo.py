"""A value remembered in the shared cache (Redis across replicas), dropped on change.

For facts read on every update that rarely change (who the caller is, whether they stored own
Binance keys). A change replaces the entry with a short tombstone; a lookup stores only "if
absent", so one that read the database before the change cannot put the old value back while
the tombstone stands.
"""

from __future__ import annotations

from telegram_frontend.core.caching.cache import Cache

TOMBSTONE = "\x00"


class SharedMemo:
    """`get` → the remembered string or None; `put` after a database read; `forget` on change."""

    def __init__(
        self, cache: Cache, prefix: str, ttl: float, tombstone_seconds: float = 5.0
    ) -> None:
        self._cache = cache
        self._prefix = prefix
        self.ttl = ttl
        self.tombstone_seconds = tombstone_seconds

    def _key(self, key: object) -> str:
        return f"{self._prefix}:{key}"

    async def get(self, key: object) -> str | None:
        if self.ttl <= 0:
            return None
        raw = await self._cache.get(self._key(key))
        return None if raw is None or raw == TOMBSTONE else raw

    async def put(self, key: object, value: str) -> None:
        if self.ttl > 0:
            await self._cache.add(self._key(key), value, self.ttl)

    async def forget(self, key: object) -> None:
        await self._cache.set(self._key(key), TOMBSTONE, self.tombstone_seconds)

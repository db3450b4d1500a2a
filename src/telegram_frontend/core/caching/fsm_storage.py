"""Where aiogram keeps dialog state (FSM): in Redis beside the cache, or in-process.

aiogram reads the state of every update before any handler runs, so with a plain Redis storage
a Redis outage would turn every message into an error. `FallbackStorage` follows the cache's
`RedisSwitch`: while Redis is unreachable, dialogs continue in-process (a dialog begun before
the outage starts over), and return to Redis with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StorageKey
from aiogram.fsm.storage.memory import MemoryStorage

from telegram_frontend.core.caching.cache import Cache, FallbackCache, RedisCache, RedisSwitch


class FallbackStorage(BaseStorage):
    """`primary` (Redis) while the switch says Redis answers, an in-process storage otherwise."""

    def __init__(self, primary: BaseStorage, switch: RedisSwitch) -> None:
        self.primary = primary
        self.switch = switch
        self.memory = MemoryStorage()

    async def set_state(self, key: StorageKey, state: str | State | None = None) -> None:
        await self.switch.call(
            lambda: self.primary.set_state(key, state), lambda: self.memory.set_state(key, state)
        )

    async def get_state(self, key: StorageKey) -> str | None:
        return await self.switch.call(
            lambda: self.primary.get_state(key), lambda: self.memory.get_state(key)
        )

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self.switch.call(
            lambda: self.primary.set_data(key, data), lambda: self.memory.set_data(key, data)
        )

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return await self.switch.call(
            lambda: self.primary.get_data(key), lambda: self.memory.get_data(key)
        )

    async def close(self) -> None:
        await self.memory.close()
        await self.primary.close()


def fsm_storage(cache: Cache, prefix: str) -> BaseStorage:
    """The dialog storage matching the cache: Redis (with its fallback) or in-process."""
    if not isinstance(cache, RedisCache):
        return MemoryStorage()
    from aiogram.fsm.storage.redis import RedisStorage  # imports the Redis client: only here

    redis = RedisStorage(cache.client, key_builder=DefaultKeyBuilder(prefix=f"{prefix}fsm"))
    if isinstance(cache, FallbackCache):
        return FallbackStorage(redis, cache.switch)
    return redis

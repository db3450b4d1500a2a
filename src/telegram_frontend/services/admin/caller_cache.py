"""Who is calling, from the shared cache: every update needs the caller's role and language.

The profile (no secrets) is kept in the shared cache (Redis, so every replica agrees; in-process
for the embedded default) and `UserService` replaces it with a short tombstone on each change. A
lookup that read the database before a change cannot put its old copy back: it stores with
"only if absent", and the tombstone is present until that lookup is long over.
"""

from __future__ import annotations

import json
from typing import Any

from telegram_frontend.core.cache import Cache
from telegram_frontend.models import User

TOMBSTONE = "-"
UNKNOWN = "0"
PROFILE = (
    "id",
    "username",
    "full_name",
    "role",
    "language",
    "timezone",
    "chart_theme",
    "is_active",
)


class CallerCache:
    """`get` → a detached `User` (profile only), None for "no such user", or MISSING."""

    MISSING: Any = object()

    def __init__(self, cache: Cache, ttl: float = 30.0, tombstone_seconds: float = 5.0) -> None:
        self._cache = cache
        self.ttl = ttl
        self.tombstone_seconds = tombstone_seconds

    @staticmethod
    def _key(user_id: int) -> str:
        return f"caller:{user_id}"

    async def get(self, user_id: int) -> Any:
        if self.ttl <= 0:
            return self.MISSING
        raw = await self._cache.get(self._key(user_id))
        if raw is None or raw == TOMBSTONE:
            return self.MISSING
        if raw == UNKNOWN:
            return None
        fields = json.loads(raw)
        return User(**fields)

    async def put(self, user_id: int, user: User | None) -> None:
        if self.ttl <= 0:
            return
        value = UNKNOWN if user is None else json.dumps({f: getattr(user, f) for f in PROFILE})
        await self._cache.add(self._key(user_id), value, self.ttl)

    async def forget(self, user_id: int) -> None:
        """After a change: no copy for a while, so no lookup that started before it can store."""
        await self._cache.set(self._key(user_id), TOMBSTONE, self.tombstone_seconds)

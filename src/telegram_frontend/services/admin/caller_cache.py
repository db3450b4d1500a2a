"""Who is calling, from the shared cache: every update needs the caller's role and language.

The profile (no secrets) is a `SharedMemo` (Redis, so every replica agrees; in-process for the
embedded default) that `UserService` drops on each change of the user.
"""

from __future__ import annotations

import json
from typing import Any

from telegram_frontend.core.caching.cache import Cache
from telegram_frontend.core.caching.shared_memo import SharedMemo
from telegram_frontend.models import User

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
    "deployment",
    "deployment_roles",
)


class CallerCache:
    """`get` → a detached `User` (profile only), None for "no such user", or MISSING."""

    MISSING: Any = object()

    def __init__(self, cache: Cache, ttl: float = 30.0) -> None:
        self._memo = SharedMemo(cache, "caller", ttl)

    async def get(self, user_id: int) -> Any:
        raw = await self._memo.get(user_id)
        if raw is None:
            return self.MISSING
        if raw == UNKNOWN:
            return None
        return User(**json.loads(raw))

    async def put(self, user_id: int, user: User | None) -> None:
        value = UNKNOWN if user is None else json.dumps({f: getattr(user, f) for f in PROFILE})
        await self._memo.put(user_id, value)

    async def forget(self, user_id: int) -> None:
        await self._memo.forget(user_id)

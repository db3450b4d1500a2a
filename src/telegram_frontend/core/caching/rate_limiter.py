"""Per-caller rate limit over fixed one-minute windows, on Redis or in-process."""

from __future__ import annotations

import time
from dataclasses import dataclass

from telegram_frontend.core.caching.cache import Cache


@dataclass(frozen=True)
class RateDecision:
    """`allowed`: go ahead; `warn`: the first refusal in this window (say "slow down" once)."""

    allowed: bool
    warn: bool
    retry_after: int


class RateLimiter:
    """`limit` hits per `window` seconds per key; the counters live in the shared cache."""

    def __init__(self, cache: Cache, limit: int, window: float = 60.0) -> None:
        self._cache = cache
        self.limit = limit
        self.window = window

    async def hit(self, key: str) -> RateDecision:
        now = time.time()
        bucket = int(now // self.window)
        retry_after = max(1, int((bucket + 1) * self.window - now))
        count = await self._cache.incr(f"rl:{key}:{bucket}", ttl=self.window + 1)
        if count <= self.limit:
            return RateDecision(True, False, 0)
        warn = await self._cache.add(f"rlw:{key}:{bucket}", "1", ttl=self.window + 1)
        return RateDecision(False, warn, retry_after)

"""Telegram's flood control for bots, modelled as token buckets.

Telegram documents roughly 1 message per second per private chat (short bursts tolerated),
20 messages per minute per group and 30 messages per second overall, and answers excess with
429 "Too Many Requests: retry after N". Each limit here is a bucket: it holds up to `burst`
tokens and refills at the documented rate; a send takes one token from the global bucket and one
from its chat's bucket, or is refused with the whole seconds until a token is back (at least 1).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class FloodLimits:
    """Rates of the three buckets; scale them down in tests to reach a 429 quickly."""

    per_private_chat_per_s: float = 1.0
    per_group_per_min: float = 20.0
    global_per_s: float = 30.0
    enabled: bool = True
    private_burst: int = 3
    """Messages a private chat may receive back to back before the 1/s rate applies."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any], base: FloodLimits | None = None) -> FloodLimits:
        """Overlay the given fields on `base` (or the defaults); unknown fields are an error."""
        current = asdict(base or cls())
        unknown = set(data) - set(current)
        if unknown:
            raise ValueError(f"unknown flood limit fields: {sorted(unknown)}")
        return cls(**{**current, **data})


@dataclass
class TokenBucket:
    capacity: float
    rate_per_s: float
    tokens: float
    updated: float

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate_per_s)
        self.updated = now

    def wait_s(self) -> float:
        """Seconds until one whole token is available (0 when one is there now)."""
        if self.tokens >= 1:
            return 0.0
        if self.rate_per_s <= 0:
            return math.inf
        return (1 - self.tokens) / self.rate_per_s


@dataclass
class FloodControl:
    """Per-chat and global buckets; `acquire` either takes a token from each or names a wait."""

    limits: FloodLimits = field(default_factory=FloodLimits)
    clock: Callable[[], float] = time.monotonic
    _chats: dict[int, TokenBucket] = field(default_factory=dict)
    _global: TokenBucket | None = None

    def configure(self, limits: FloodLimits) -> None:
        """New limits start from full buckets, as if the bot had been quiet."""
        self.limits = limits
        self._chats.clear()
        self._global = None

    def acquire(self, chat_id: int) -> int | None:
        """Take a send slot for `chat_id`; return None when allowed, else retry_after seconds."""
        if not self.limits.enabled:
            return None
        now = self.clock()
        buckets = (self._global_bucket(now), self._chat_bucket(chat_id, now))
        for bucket in buckets:
            bucket.refill(now)
        wait = max(bucket.wait_s() for bucket in buckets)
        if wait > 0:
            return max(1, math.ceil(wait)) if math.isfinite(wait) else 3600
        for bucket in buckets:
            bucket.tokens -= 1
        return None

    def _global_bucket(self, now: float) -> TokenBucket:
        if self._global is None:
            rate = self.limits.global_per_s
            self._global = _full_bucket(max(1.0, rate), rate, now)
        return self._global

    def _chat_bucket(self, chat_id: int, now: float) -> TokenBucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if chat_id < 0:
                per_min = self.limits.per_group_per_min
                bucket = _full_bucket(max(1.0, per_min), per_min / 60, now)
            else:
                rate = self.limits.per_private_chat_per_s
                bucket = _full_bucket(max(1.0, float(self.limits.private_burst)), rate, now)
            self._chats[chat_id] = bucket
        return bucket


def _full_bucket(capacity: float, rate_per_s: float, now: float) -> TokenBucket:
    return TokenBucket(capacity=capacity, rate_per_s=rate_per_s, tokens=capacity, updated=now)

"""A short-lived in-process cache of awaited results, with single flight.

A burst of /status or /portfolio from many users asks the same backends the same question; for
`ttl` seconds the first answer serves everyone, and callers that arrive while it is being fetched
wait for that one fetch instead of starting their own. Failures are not kept. A `ttl` of 0 turns
the cache off (every call fetches), which tests that change backend state step by step rely on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class TtlCache(Generic[V]):
    """`await cache.get(key, fetch)`: the value fetched for `key` within `ttl` s, else a new one."""

    def __init__(
        self,
        ttl: float,
        *,
        max_entries: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._values: dict[Hashable, tuple[float, V]] = {}
        self._flights: dict[Hashable, asyncio.Future[V]] = {}
        self._generation = 0
        self.fetches = 0  # how many times `fetch` really ran (tests and benches read it)

    async def get(self, key: Hashable, fetch: Callable[[], Awaitable[V]]) -> V:
        if self.ttl <= 0:
            self.fetches += 1
            return await fetch()
        item = self._values.get(key)
        if item is not None and item[0] > self._clock():
            return item[1]
        flight = self._flights.get(key)
        if flight is None:
            flight = asyncio.ensure_future(self._fetch(key, fetch, self._generation))
            self._flights[key] = flight
            flight.add_done_callback(lambda done: self._landed(key, done))
        # A caller that gives up (a deadline) leaves the fetch running for the others.
        return await asyncio.shield(flight)

    async def _fetch(self, key: Hashable, fetch: Callable[[], Awaitable[V]], generation: int) -> V:
        self.fetches += 1
        value = await fetch()
        if generation == self._generation:  # not invalidated meanwhile
            self._store(key, value)
        return value

    def _landed(self, key: Hashable, flight: asyncio.Future[V]) -> None:
        if self._flights.get(key) is flight:
            del self._flights[key]
        if not flight.cancelled():
            flight.exception()  # retrieved, so an unawaited failure is not logged as lost

    def _store(self, key: Hashable, value: V) -> None:
        now = self._clock()
        if len(self._values) >= self.max_entries:
            self._values = {k: v for k, v in self._values.items() if v[0] > now}
            if len(self._values) >= self.max_entries:
                self._values.pop(next(iter(self._values)))
        self._values[key] = (now + self.ttl, value)

    @property
    def generation(self) -> int:
        """Grows with every `invalidate()`: a cache built on this one keys on it to follow."""
        return self._generation

    def invalidate(self) -> None:
        """Forget everything, including what a fetch now under way brings back."""
        self._values.clear()
        self._flights.clear()
        self._generation += 1

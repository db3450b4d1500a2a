"""Small shared contracts of the runtime (kept apart so workers don't import the runtime)."""

from __future__ import annotations

from typing import Protocol


class Worker(Protocol):
    """A long-running background task with a clean start and stop (cancelled to stop)."""

    name: str

    async def run(self) -> None: ...

"""Pollers that must run once: of two replicas on one PostgreSQL, only the lock holder runs
them, and the other takes over when the holder stops."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from telegram_frontend.core.database import Database
from telegram_frontend.workers.leader import LeaderOnly
from tests.conftest import Backend


class CountingWorker:
    """Counts its rounds, like a poller would poll."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rounds = 0

    async def run(self) -> None:
        while True:
            self.rounds += 1
            await asyncio.sleep(0.01)


@pytest.fixture
async def databases(backend: Backend) -> AsyncIterator[tuple[Database, Database]]:
    """Two engines on the test's database, as two replicas would have."""
    first, second = Database(backend.database_url), Database(backend.database_url)
    yield first, second
    await first.dispose()
    await second.dispose()


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def test_only_one_replica_runs_a_poller_and_the_other_takes_over(
    backend: Backend, databases: tuple[Database, Database]
) -> None:
    one, two = CountingWorker("trade_poller"), CountingWorker("trade_poller")
    first = LeaderOnly(databases[0], one, retry_seconds=0.1)
    second = LeaderOnly(databases[1], two, retry_seconds=0.1)
    first_task = asyncio.create_task(first.run())
    await asyncio.sleep(0.3)
    second_task = asyncio.create_task(second.run())
    await asyncio.sleep(0.5)

    if backend.kind == "embedded":  # one process by design: every worker simply runs
        assert one.rounds > 0 and two.rounds > 0
    else:
        assert one.rounds > 0 and two.rounds == 0
        assert first.leading and not second.leading

        await stop(first_task)
        await asyncio.sleep(0.5)
        assert two.rounds > 0 and second.leading
    await stop(first_task)
    await stop(second_task)

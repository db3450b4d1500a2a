"""Our PostgreSQL restarted under load (down for `DOWN_S`), the frontend left running.

Users keep writing and notifications keep being queued (a cause that fails to record retries,
as the pollers do). Meanwhile commands get a sentence rather than silence; afterwards the
frontend works again without a restart of its own: every queued notification arrives, repeats
only within the in-flight window, every command was answered exactly once, /health/ready is 200.

The server is a private cluster started by the drill, never the machine's shared one. Where
`initdb` cannot run, the drill cuts the frontend's connections on the shared server instead
(`pg_terminate_backend`), a weaker stand-in for a restart, and says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import asyncpg
import httpx
import pytest

from drills.private_servers import PrivatePostgres, ServerUnavailable
from drills.support import (
    FAST_RETRIES,
    add_users,
    bot_texts,
    delivery_report,
    enqueue,
    eventually,
    settled_rows,
)
from telegram_frontend.core.database import Database
from tests.conftest import create_pg_database, drop_pg_database, pg_url
from tests.e2e.harness import running_frontend

DOWN_S = 2.0
IN_FLIGHT = 8
NOTIFIED = list(range(64_001, 64_006))
ASKING = list(range(64_101, 64_104))
NOTICES = [f"pg-{n}" for n in range(30)]


@dataclass
class Restartable:
    url: str
    server: PrivatePostgres | None
    shared_name: str | None = None

    async def restart(self) -> None:
        if self.server is not None:
            await self.server.stop()
            await asyncio.sleep(DOWN_S)
            await self.server.start()
            return
        conn = await asyncpg.connect(pg_url("postgres").replace("+asyncpg", ""))
        try:
            await conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                self.shared_name,
            )
        finally:
            await conn.close()


@pytest.fixture
async def postgres() -> AsyncIterator[Restartable]:
    try:
        server = PrivatePostgres()
        await server.start()
    except ServerUnavailable as exc:
        print(f"no private cluster ({exc}); cutting connections on the shared server instead")
        name = await create_pg_database("tf_drill")
        try:
            yield Restartable(pg_url(name), None, name)
        finally:
            await drop_pg_database(name)
        return
    try:
        yield Restartable(server.url, server)
    finally:
        await server.destroy()


async def test_a_postgres_restart_under_load_loses_nothing_and_needs_no_frontend_restart(
    postgres: Restartable,
) -> None:
    env = {
        **FAST_RETRIES,
        "DATABASE_URL": postgres.url,
        "LOG_LEVEL": "ERROR",
        "NOTIFY_LEASE_SECONDS": "2",
        "NOTIFY_CONCURRENCY": str(IN_FLIGHT),
        "TELEGRAM_PRIVATE_CHAT_RATE_PER_SECOND": "10",
    }
    async with running_frontend(env) as app:
        emulator, client = app.emulator, app.client
        db = await app.frontend.container.get(Database)
        for chat in NOTIFIED + ASKING:
            await client.register_chat(chat)
        await add_users(db, NOTIFIED + ASKING, "viewer")
        before = {chat: len(bot_texts(emulator, chat)) for chat in ASKING}
        sent_commands = 0
        stop_load = asyncio.Event()

        async def cause(key: str) -> None:
            while True:  # a cause that could not be recorded is tried again, like a poller
                try:
                    await enqueue(db, [key], NOTIFIED)
                    return
                except Exception:
                    await asyncio.sleep(0.2)

        async def users_write() -> None:
            nonlocal sent_commands
            while not stop_load.is_set():
                for chat in ASKING:
                    await client.send_message(chat, "/help")
                    sent_commands += 1
                await asyncio.sleep(0.3)

        writers = asyncio.create_task(users_write())
        causes = asyncio.create_task(_one_after_another(cause, NOTICES, 0.1))
        await asyncio.sleep(1.0)
        started = time.monotonic()
        await postgres.restart()
        restart_s = time.monotonic() - started
        await causes
        stop_load.set()
        await writers

        async def all_answered() -> bool:
            return sum(len(bot_texts(emulator, c)) - before[c] for c in ASKING) >= sent_commands

        async def all_settled() -> bool:
            with contextlib.suppress(Exception):
                return await settled_rows(db) >= len(NOTICES) * len(NOTIFIED)
            return False

        await eventually(all_settled, 40, "every notification settled after the restart")
        await eventually(all_answered, 20, "an answer to every command")
        await asyncio.sleep(1.0)  # a repeated send would land now
        async with httpx.AsyncClient(base_url=app.http_base) as http:
            ready = await http.get("/health/ready")
        dispatcher_alive = not next(
            t for t in app.frontend._tasks if t.get_name() == "notification_dispatcher"
        ).done()
        answers = {c: len(bot_texts(emulator, c)) - before[c] for c in ASKING}

    lost, duplicated, disordered = delivery_report(emulator, NOTIFIED, NOTICES)
    print(
        f"PostgreSQL {'restarted' if postgres.server else 'connections cut'} in "
        f"{restart_s:.1f} s: lost {lost}, repeated {duplicated}, commands {sent_commands}, "
        f"answers {sum(answers.values())}"
    )
    assert lost == 0
    assert duplicated <= IN_FLIGHT
    assert disordered == [] or duplicated > 0
    assert sum(answers.values()) == sent_commands, answers
    assert ready.status_code == 200, ready.text
    assert dispatcher_alive


async def _one_after_another(
    cause: Callable[[str], Awaitable[None]], keys: list[str], gap_s: float
) -> None:
    for key in keys:
        await cause(key)
        await asyncio.sleep(gap_s)

"""Redis stopped under a running frontend, then started again.

The cache, rate limits and dialog state fall back to the process's memory: every command is
still answered, notifications still go out, and /health/ready says `fallback` (while staying
ready: our database is fine). When Redis is back, the frontend uses it again and says `up`.
The Redis is a private server started by the drill, never the machine's shared one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from drills.private_servers import PrivateRedis, ServerUnavailable
from drills.support import (
    FAST_RETRIES,
    INTERNAL_ERROR,
    add_users,
    bot_texts,
    delivery_report,
    enqueue,
    eventually,
    settled_rows,
)
from telegram_frontend.core.caching.cache import Cache, FallbackCache
from telegram_frontend.core.database import Database
from tests.e2e.harness import running_frontend

pytestmark = pytest.mark.parametrize("backend", ["embedded"], indirect=True)

ASKING = list(range(65_101, 65_104))
NOTIFIED = list(range(65_001, 65_004))
NOTICES = [f"redis-{n}" for n in range(5)]


@pytest.fixture
async def redis() -> AsyncIterator[PrivateRedis]:
    try:
        server = PrivateRedis()
        await server.start()
    except ServerUnavailable as exc:
        pytest.skip(f"no private Redis: {exc}")
    try:
        yield server
    finally:
        await server.destroy()


async def cache_health(base_url: str) -> tuple[int, dict[str, Any]]:
    async with httpx.AsyncClient(base_url=base_url) as http:
        response = await http.get("/health/ready")
    return response.status_code, response.json()["components"]["cache"]


async def test_with_redis_stopped_the_bot_keeps_answering_and_health_says_fallback(
    settings_env: dict[str, str], redis: PrivateRedis
) -> None:
    env = {**settings_env, **FAST_RETRIES, "REDIS_URL": redis.url}
    async with running_frontend(env) as app:
        emulator, client = app.emulator, app.client
        cache = await app.frontend.container.get(Cache)
        assert isinstance(cache, FallbackCache)
        db = await app.frontend.container.get(Database)
        for chat in ASKING + NOTIFIED:
            await client.register_chat(chat)
        await add_users(db, ASKING + NOTIFIED, "viewer")
        assert await cache_health(app.http_base) == (200, {"status": "up", "backend": "redis"})

        await redis.stop()
        during = []
        for chat in ASKING:
            during += await app.chat(chat).send("/help")
            during += await app.chat(chat).send("/alerts")
        queued = await enqueue(db, NOTICES, NOTIFIED)

        async def settled() -> bool:
            return await settled_rows(db) >= queued

        await eventually(settled, 20, "notifications delivered while Redis is down")
        status, health = await cache_health(app.http_base)
        fallback_flag = app.frontend.state.cache_fallback

        await redis.start()
        after_status, after = await cache_health(app.http_base)
        back = await app.chat(ASKING[0]).send("/help")
        await cache.set("drill:probe", "1", ttl=60)
        probe = await cache.client.get(cache._k("drill:probe"))

    assert len(during) >= 2 * len(ASKING)
    assert all(INTERNAL_ERROR not in (m.text or "") for m in during)
    assert (status, health["status"], health["backend"]) == (200, "fallback", "memory")
    assert "Redis unreachable" in health["error"]
    assert fallback_flag is True
    lost, duplicated, disordered = delivery_report(emulator, NOTIFIED, NOTICES)
    assert (lost, duplicated, disordered) == (0, 0, [])
    assert (after_status, after) == (200, {"status": "up", "backend": "redis"})
    assert back and INTERNAL_ERROR not in (back[0].text or "")
    assert probe == "1", "the cache did not return to Redis"
    assert all(bot_texts(emulator, chat) for chat in ASKING)

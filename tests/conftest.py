"""Shared fixtures: a clean database and cache per test, on the embedded default AND on the
real PostgreSQL and Redis servers.

Any test that uses `backend` (directly or through `database`, `cache`, `settings`) runs twice:
`[embedded]` (SQLite + in-process cache) and `[pg]` (PostgreSQL + Redis). Outside CI an absent
server skips the `[pg]` variant; under `CI=true` it is a failure, never a skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
import structlog
from redis.asyncio import Redis

from telegram_frontend.core import migrator
from telegram_frontend.core.caching.cache import Cache, MemoryCache, RedisCache
from telegram_frontend.core.database import Database
from telegram_frontend.core.settings import Settings

PG_HOST = os.environ.get("TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("TEST_PG_USER", "postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() == "true"

# structlog's default console output renders an exception with rich, every frame's locals
# included: about ten seconds per logged error on this machine, which made error-path tests slow
# and flaky. Tests print plain tracebacks, as the product's own logging does.
structlog.configure(
    processors=[
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="%Y-%m-%d %H:%M:%S", utc=True),
        structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        ),
    ]
)


def _pg_admin_dsn() -> str:
    return f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/postgres"


async def _pg_available() -> bool:
    try:
        conn = await asyncpg.connect(_pg_admin_dsn(), timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await conn.close()
    return True


async def _redis_available() -> bool:
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await client.ping()
        return True
    except Exception:
        return False
    finally:
        await client.aclose()


def _unavailable(what: str) -> None:
    message = f"{what} is not reachable"
    if IN_CI:
        pytest.fail(f"{message}, and under CI=true that is a failure, not a skip")
    pytest.skip(message)


async def create_pg_database(prefix: str = "tf_test") -> str:
    """A fresh, empty PostgreSQL database; returns its name."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(_pg_admin_dsn(), timeout=5)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name


async def drop_pg_database(name: str) -> None:
    conn = await asyncpg.connect(_pg_admin_dsn(), timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def pg_url(name: str) -> str:
    return f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


@dataclass
class Backend:
    """Where a test's own data lives: database URL and (optional) Redis URL + key prefix."""

    kind: str
    database_url: str
    redis_url: str | None
    redis_prefix: str

    @property
    def is_pg(self) -> bool:
        return self.kind == "pg"


@pytest.fixture(params=["embedded", "pg"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    """A clean database (and cache namespace) for one test."""
    prefix = f"tftest:{uuid.uuid4().hex[:10]}:"
    if request.param == "embedded":
        yield Backend("embedded", f"sqlite+aiosqlite:///{tmp_path / 'frontend.db'}", None, prefix)
        return
    if not await _pg_available():
        _unavailable(f"PostgreSQL at {PG_HOST}:{PG_PORT}")
    if not await _redis_available():
        _unavailable(f"Redis at {REDIS_URL}")
    name = await create_pg_database()
    try:
        yield Backend("pg", pg_url(name), REDIS_URL, prefix)
    finally:
        await drop_pg_database(name)
        client = Redis.from_url(REDIS_URL)
        try:
            keys = [k async for k in client.scan_iter(match=f"{prefix}*")]
            if keys:
                await client.delete(*keys)
        finally:
            await client.aclose()


@pytest.fixture
async def database(backend: Backend) -> AsyncIterator[Database]:
    """Our database, migrated to head."""
    db = Database(backend.database_url)
    await migrator.upgrade(db)
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture
async def cache(backend: Backend) -> AsyncIterator[Cache]:
    """The cache matching the backend: in-process for embedded, Redis for pg."""
    instance: Cache = (
        RedisCache(backend.redis_url, backend.redis_prefix) if backend.redis_url else MemoryCache()
    )
    try:
        yield instance
    finally:
        await instance.close()


@pytest.fixture
def settings_env(backend: Backend) -> dict[str, str]:
    """Environment-style settings for a frontend using this test's backend."""
    env = {"DATABASE_URL": backend.database_url, "LOG_LEVEL": "WARNING"}
    # Each screen sees the fakes as they are now; tests/e2e/test_read_cache.py turns the cache on.
    env["READ_CACHE_SECONDS"] = "0"
    if backend.redis_url:
        env["REDIS_URL"] = backend.redis_url
        env["REDIS_KEY_PREFIX"] = backend.redis_prefix  # no counters or FSM state shared by tests
    return env


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Settings read no stray variables or `.env` from the developer's shell."""
    for key in list(os.environ):
        if key in Settings.model_fields or key.upper() in {
            f.upper() for f in Settings.model_fields
        }:
            monkeypatch.delenv(key, raising=False)
    monkeypatch.delenv("POSTGRES_URL", raising=False)
    monkeypatch.chdir(tmp_path)

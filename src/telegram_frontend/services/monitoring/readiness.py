"""Is this frontend itself usable: database at the head migration, cache, Telegram, workers.

`/health/ready` (for the orchestrator) and `/api/v1/health` (for dashboards) both show this one
check, so they can never disagree. The trading system's health is `MonitoringService`'s job.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from telegram_frontend.core import migrator
from telegram_frontend.core.caching.cache import Cache, FallbackCache
from telegram_frontend.core.database import Database
from telegram_frontend.core.runtime_state import RuntimeState


@dataclass(frozen=True)
class DatabaseHealth:
    status: str  # up | migrating | down
    backend: str
    revision: str | None = None
    head: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class CacheHealth:
    status: str  # up | fallback (Redis unreachable, working in-process) | down
    backend: str
    error: str | None = None


@dataclass(frozen=True)
class TelegramHealth:
    status: str  # up | down
    mode: str
    error: str = ""


@dataclass(frozen=True)
class Readiness:
    ready: bool
    uptime_s: float
    checked_in_ms: float
    database: DatabaseHealth
    cache: CacheHealth
    telegram: TelegramHealth
    workers: dict[str, str] = field(default_factory=dict)


async def _database(db: Database) -> DatabaseHealth:
    backend = db.engine.dialect.name
    try:
        await db.ping()
        revision = await migrator.current_revision(db)
    except Exception as exc:
        return DatabaseHealth("down", backend, error=type(exc).__name__)
    head = migrator.head_revision()
    return DatabaseHealth("up" if revision == head else "migrating", backend, revision, head)


async def _cache(cache: Cache) -> CacheHealth:
    try:
        await cache.ping()
    except Exception as exc:
        return CacheHealth("down", cache.name, type(exc).__name__)
    if isinstance(cache, FallbackCache) and cache.fallback_active:
        return CacheHealth("fallback", "memory", f"Redis unreachable: {cache.fallback_error}")
    return CacheHealth("up", cache.name)


async def check_readiness(db: Database, cache: Cache, state: RuntimeState) -> Readiness:
    """Ready when the database answers at the head revision; the rest is reported, not gating."""
    started = time.perf_counter()
    database = await _database(db)
    cache_health = await _cache(cache)
    telegram = TelegramHealth(
        "up" if state.telegram_connected else "down", state.mode, state.telegram_error
    )
    return Readiness(
        ready=database.status == "up",
        uptime_s=round(time.time() - state.started_at, 1),
        checked_in_ms=round((time.perf_counter() - started) * 1000, 1),
        database=database,
        cache=cache_health,
        telegram=telegram,
        workers=dict(state.workers),
    )

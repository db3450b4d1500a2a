"""Providers of the shared adapters: database, cache and their clean shutdown."""

from __future__ import annotations

from collections.abc import AsyncIterator

from dishka import Provider, Scope, from_context, provide

from telegram_frontend.core.caching.cache import Cache, create_cache
from telegram_frontend.core.database import Database
from telegram_frontend.core.runtime_state import RuntimeState
from telegram_frontend.core.settings import Settings


class CoreProvider(Provider):
    """One database and one cache per process."""

    scope = Scope.APP
    settings = from_context(Settings, scope=Scope.APP)

    @provide
    async def database(self, settings: Settings) -> AsyncIterator[Database]:
        db = Database(settings.database_url)
        yield db
        await db.dispose()

    @provide
    async def cache(self, settings: Settings, state: RuntimeState) -> AsyncIterator[Cache]:
        def fallback(active: bool) -> None:
            state.cache_fallback = active

        cache = create_cache(settings.redis_url, settings.redis_key_prefix, fallback)
        yield cache
        await cache.close()

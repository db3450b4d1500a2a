"""Providers of the HTTP API's own services: API keys and their rate limit."""

from __future__ import annotations

from dishka import Provider, Scope, provide

from telegram_frontend.api.auth import ApiRateLimiter
from telegram_frontend.config.cache import Cache
from telegram_frontend.config.settings import Settings
from telegram_frontend.services.api_key_service import ApiKeyService


class ApiProvider(Provider):
    scope = Scope.APP

    keys = provide(ApiKeyService)

    @provide
    def api_rate_limiter(self, settings: Settings, cache: Cache) -> ApiRateLimiter:
        return ApiRateLimiter(cache, settings.api_rate_limit_per_minute)

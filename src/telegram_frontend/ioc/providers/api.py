"""Providers of the HTTP API's own services: API keys and their rate limit."""

from __future__ import annotations

from dishka import Provider, Scope, provide

from telegram_frontend.api.deps import ApiRateLimiter
from telegram_frontend.api.v1.events import EventRateLimiter
from telegram_frontend.core.caching.cache import Cache
from telegram_frontend.core.database import Database
from telegram_frontend.core.deployments import DeploymentsConfig
from telegram_frontend.core.settings import Settings
from telegram_frontend.services.admin.api_keys import ApiKeyService
from telegram_frontend.services.admin.audit import AuditService


class ApiProvider(Provider):
    scope = Scope.APP

    @provide
    def keys(self, db: Database, audit: AuditService, config: DeploymentsConfig) -> ApiKeyService:
        return ApiKeyService(db, audit, config)

    @provide
    def api_rate_limiter(self, settings: Settings, cache: Cache) -> ApiRateLimiter:
        return ApiRateLimiter(cache, settings.api_rate_limit_per_minute)

    @provide
    def event_rate_limiter(self, settings: Settings, cache: Cache) -> EventRateLimiter:
        return EventRateLimiter(cache, settings.events_rate_limit_per_minute)

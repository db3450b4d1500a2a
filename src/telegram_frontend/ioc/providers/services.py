"""Providers of the core services; the bot and the API get the very same instances."""

from __future__ import annotations

from collections.abc import Iterator

from dishka import Provider, Scope, provide

from telegram_frontend.bot.features.start.keyboards import decision_markup
from telegram_frontend.core.caching.cache import Cache
from telegram_frontend.core.caching.rate_limiter import RateLimiter
from telegram_frontend.core.database import Database
from telegram_frontend.core.deployments import DeploymentsConfig
from telegram_frontend.core.settings import Settings
from telegram_frontend.services.admin.access_requests import AccessRequests
from telegram_frontend.services.admin.audit import AuditService
from telegram_frontend.services.admin.caller_cache import CallerCache
from telegram_frontend.services.admin.chat_policy import ChatPolicy
from telegram_frontend.services.admin.confirmations import ConfirmationService
from telegram_frontend.services.admin.deployment_access import DeploymentAccess
from telegram_frontend.services.admin.logs import LogService
from telegram_frontend.services.admin.system_config import ConfigService
from telegram_frontend.services.admin.users import UserService
from telegram_frontend.services.charts.service import ChartService
from telegram_frontend.services.notifications.service import NotificationService
from telegram_frontend.services.reports.csv_writer import CsvReportWriter
from telegram_frontend.services.trading.run_log import StrategyRunLog


class CoreServicesProvider(Provider):
    """Users, audit, configuration, confirmations and rate limits."""

    scope = Scope.APP

    audit = provide(AuditService)
    run_log = provide(StrategyRunLog)

    @provide
    def config(self, settings: Settings, db: Database, audit: AuditService) -> ConfigService:
        return ConfigService(db, audit, settings.read_cache_seconds)

    chat_policy = provide(ChatPolicy)
    logs = provide(LogService)

    @provide
    def users(
        self, settings: Settings, db: Database, audit: AuditService, cache: Cache
    ) -> UserService:
        return UserService(
            db,
            audit,
            admin_ids=settings.admin_user_ids,
            default_language=settings.default_language,
            default_timezone=settings.default_timezone,
            callers=CallerCache(cache, settings.caller_cache_seconds),
        )

    @provide
    def deployment_access(
        self,
        settings: Settings,
        db: Database,
        audit: AuditService,
        cache: Cache,
        deployments: DeploymentsConfig,
    ) -> DeploymentAccess:
        return DeploymentAccess(
            db, audit, deployments, CallerCache(cache, settings.caller_cache_seconds)
        )

    @provide
    def access_requests(
        self,
        settings: Settings,
        db: Database,
        cache: Cache,
        users: UserService,
        notifications: NotificationService,
        audit: AuditService,
    ) -> AccessRequests:
        return AccessRequests(
            db,
            cache,
            users,
            notifications,
            audit,
            per_minute=settings.access_requests_per_minute,
            ttl_days=settings.access_request_ttl_days,
            markup=decision_markup,
        )

    @provide
    def reports(self) -> CsvReportWriter:
        return CsvReportWriter()

    @provide
    def charts(self) -> Iterator[ChartService]:
        charts = ChartService()
        yield charts
        charts.close()

    @provide
    def rate_limiter(self, settings: Settings, cache: Cache) -> RateLimiter:
        return RateLimiter(cache, settings.rate_limit_per_minute)

    @provide
    def confirmations(self, settings: Settings, cache: Cache) -> ConfirmationService:
        return ConfirmationService(cache, settings.confirmation_ttl_seconds)

"""Providers of the status and health pages' services (shared by the bot and the API)."""

from __future__ import annotations

from dishka import Provider, Scope, provide

from telegram_frontend.clients.binance.client import BinanceClient
from telegram_frontend.clients.trading.backends import BackendClients
from telegram_frontend.core.caching.cache import Cache
from telegram_frontend.core.database import Database
from telegram_frontend.core.runtime_state import RuntimeState
from telegram_frontend.core.settings import Settings
from telegram_frontend.services.monitoring.health_report import HealthReportService
from telegram_frontend.services.monitoring.overview import StatusOverviewService
from telegram_frontend.services.monitoring.service import MonitoringService
from telegram_frontend.services.trading.service import TradingService


def deadline_of(settings: Settings) -> float:
    """How long one screen may wait for a source: one HTTP call's timeouts plus a margin."""
    return settings.http_connect_timeout + settings.http_read_timeout + 1.0


class StatusProvider(Provider):
    scope = Scope.APP

    @provide
    def overview(
        self, settings: Settings, monitoring: MonitoringService, trading: TradingService
    ) -> StatusOverviewService:
        return StatusOverviewService(
            monitoring, trading, deadline_of(settings), settings.read_cache_seconds
        )

    @provide
    def health(
        self,
        settings: Settings,
        monitoring: MonitoringService,
        clients: BackendClients,
        db: Database,
        cache: Cache,
        state: RuntimeState,
        binance: BinanceClient,
    ) -> HealthReportService:
        return HealthReportService(
            monitoring, clients, db, cache, state, binance, deadline_of(settings)
        )

"""Providers of the trading-system adapters and the services built on them."""

from __future__ import annotations

from collections.abc import AsyncIterator

from dishka import Provider, Scope, provide

from telegram_frontend.clients.trading.backends import BackendClients
from telegram_frontend.core.settings import Settings
from telegram_frontend.services.admin.audit import AuditService
from telegram_frontend.services.monitoring.backend_metrics import CALL_OBSERVER
from telegram_frontend.services.monitoring.service import MonitoringService
from telegram_frontend.services.reports.csv_writer import CsvReportWriter
from telegram_frontend.services.reports.export import ReportExporter
from telegram_frontend.services.trading.run_log import StrategyRunLog
from telegram_frontend.services.trading.service import TradingService
from telegram_frontend.services.trading.signals import SignalService


class BackendProvider(Provider):
    """One client per configured service; unconfigured ones are None ("not configured")."""

    scope = Scope.APP

    @provide
    async def clients(self, settings: Settings) -> AsyncIterator[BackendClients]:
        clients = BackendClients.from_settings(settings, CALL_OBSERVER)
        yield clients
        await clients.aclose()

    @provide
    def monitoring(self, settings: Settings, clients: BackendClients) -> MonitoringService:
        return MonitoringService(
            clients,
            cache_seconds=settings.monitoring_cache_seconds,
            stale_after_seconds=settings.heartbeat_stale_seconds,
            environment=settings.deployment_environment,
        )

    @provide
    def exporter(self, trading: TradingService, reports: CsvReportWriter) -> ReportExporter:
        return ReportExporter(trading, reports)

    @provide
    def trading(
        self,
        settings: Settings,
        clients: BackendClients,
        audit: AuditService,
        runs: StrategyRunLog,
    ) -> TradingService:
        return TradingService(
            clients,
            auditor=audit,
            run_log=runs,
            read_cache_seconds=settings.read_cache_seconds,
        )

    @provide
    def signals(self, clients: BackendClients, audit: AuditService) -> SignalService:
        return SignalService(clients, auditor=audit)

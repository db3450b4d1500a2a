"""Providers of the deployments and, for code that serves one, the default deployment's parts.

Every deployment's services are built once, in `ioc/deployments.py`; the single-deployment types
below (`TradingService`, `MonitoringService`, ...) are the default deployment's, so code that does
not choose a deployment keeps working unchanged.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from dishka import Provider, Scope, provide

from telegram_frontend.clients.binance.client import BinanceClient, BinanceClientFactory
from telegram_frontend.clients.trading.backends import BackendClients
from telegram_frontend.core.caching.cache import Cache
from telegram_frontend.core.database import Database
from telegram_frontend.core.deployments import DeploymentsConfig, load_deployments
from telegram_frontend.core.runtime_state import RuntimeState
from telegram_frontend.core.settings import Settings
from telegram_frontend.ioc.deployments import Shared, build_deployments
from telegram_frontend.services.account.actions import AccountActions
from telegram_frontend.services.account.credentials import CredentialsService
from telegram_frontend.services.admin.audit import AuditService
from telegram_frontend.services.admin.confirmations import ConfirmationService
from telegram_frontend.services.admin.system_config import ConfigService
from telegram_frontend.services.deployments.registry import Deployments
from telegram_frontend.services.monitoring.health_report import HealthReportService
from telegram_frontend.services.monitoring.overview import StatusOverviewService
from telegram_frontend.services.monitoring.service import MonitoringService
from telegram_frontend.services.notifications.service import NotificationService
from telegram_frontend.services.reports.csv_writer import CsvReportWriter
from telegram_frontend.services.reports.export import ReportExporter
from telegram_frontend.services.trading.run_log import StrategyRunLog
from telegram_frontend.services.trading.service import TradingService
from telegram_frontend.services.trading.signals import SignalService


class BackendProvider(Provider):
    """One set of clients and services per deployment; unconfigured services are None."""

    scope = Scope.APP

    @provide
    def config(self, settings: Settings) -> DeploymentsConfig:
        return load_deployments(settings)

    @provide
    async def deployments(
        self,
        settings: Settings,
        config: DeploymentsConfig,
        db: Database,
        cache: Cache,
        state: RuntimeState,
        audit: AuditService,
        runs: StrategyRunLog,
        system_config: ConfigService,
        notifications: NotificationService,
        confirmations: ConfirmationService,
        reports: CsvReportWriter,
    ) -> AsyncIterator[Deployments]:
        shared = Shared(
            db, cache, state, audit, runs, system_config, notifications, confirmations, reports
        )
        deployments = build_deployments(settings, config, shared)
        yield deployments
        await deployments.aclose()

    @provide
    def clients(self, deployments: Deployments) -> BackendClients:
        return deployments.default.clients

    @provide
    def monitoring(self, deployments: Deployments) -> MonitoringService:
        return deployments.default.monitoring

    @provide
    def trading(self, deployments: Deployments) -> TradingService:
        return deployments.default.trading

    @provide
    def signals(self, deployments: Deployments) -> SignalService:
        return deployments.default.signals

    @provide
    def exporter(self, deployments: Deployments) -> ReportExporter:
        return deployments.default.exporter

    @provide
    def overview(self, deployments: Deployments) -> StatusOverviewService:
        return deployments.default.overview

    @provide
    def health(self, deployments: Deployments) -> HealthReportService:
        return deployments.default.health

    @provide
    def binance_factory(self, deployments: Deployments) -> BinanceClientFactory:
        return deployments.default.binance_factory

    @provide
    def system_client(self, deployments: Deployments) -> BinanceClient:
        return deployments.default.binance

    @provide
    def credentials(self, deployments: Deployments) -> CredentialsService:
        return deployments.default.credentials

    @provide
    def actions(self, deployments: Deployments) -> AccountActions:
        return deployments.default.actions

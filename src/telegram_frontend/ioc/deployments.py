"""Builds every deployment's services, the one way: the container asks this for all of them.

Each deployment gets its own clients (own pools, caches, circuit breakers) and services built on
them; what all deployments share (database, cache, audit, notifications) comes from the container.
Every audit row a deployment's services write names the deployment (`AuditService.on`).
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram_frontend.clients.binance.client import BinanceClientFactory
from telegram_frontend.clients.trading.backends import BackendClients
from telegram_frontend.core.caching.cache import Cache
from telegram_frontend.core.database import Database
from telegram_frontend.core.deployments import DeploymentsConfig, DeploymentSpec, settings_for
from telegram_frontend.core.runtime_state import RuntimeState
from telegram_frontend.core.settings import Settings
from telegram_frontend.services.account.actions import AccountActions
from telegram_frontend.services.account.credentials import CredentialsService
from telegram_frontend.services.admin.audit import AuditService
from telegram_frontend.services.admin.confirmations import ConfirmationService
from telegram_frontend.services.admin.system_config import ConfigService
from telegram_frontend.services.deployments.registry import Deployment, Deployments, deadline_of
from telegram_frontend.services.monitoring.backend_metrics import CALL_OBSERVER
from telegram_frontend.services.monitoring.health_report import HealthReportService
from telegram_frontend.services.monitoring.overview import StatusOverviewService
from telegram_frontend.services.monitoring.service import MonitoringService
from telegram_frontend.services.notifications.service import NotificationService
from telegram_frontend.services.reports.csv_writer import CsvReportWriter
from telegram_frontend.services.reports.export import ReportExporter
from telegram_frontend.services.trading.run_log import StrategyRunLog
from telegram_frontend.services.trading.service import TradingService
from telegram_frontend.services.trading.signals import SignalService


@dataclass(frozen=True)
class Shared:
    """What every deployment's services share."""

    db: Database
    cache: Cache
    state: RuntimeState
    audit: AuditService
    runs: StrategyRunLog
    config: ConfigService
    notifications: NotificationService
    confirmations: ConfirmationService
    reports: CsvReportWriter


def build_deployment(base: Settings, spec: DeploymentSpec, shared: Shared) -> Deployment:
    settings = settings_for(base, spec)
    clients = BackendClients.from_settings(settings, CALL_OBSERVER)
    factory = BinanceClientFactory(settings)
    binance = factory.system()
    audit = shared.audit.on(spec.name)
    monitoring = MonitoringService(
        clients,
        cache_seconds=settings.monitoring_cache_seconds,
        stale_after_seconds=settings.heartbeat_stale_seconds,
        environment=settings.deployment_environment,
    )
    trading = TradingService(
        clients,
        auditor=audit,
        run_log=shared.runs,
        read_cache_seconds=settings.read_cache_seconds,
    )
    credentials = CredentialsService(
        shared.db,
        shared.cache,
        shared.audit,
        shared.config,
        factory,
        settings.secret_key,
        notifications=shared.notifications,
        deployment=spec.name,
    )
    return Deployment(
        spec=spec,
        settings=settings,
        clients=clients,
        binance_factory=factory,
        binance=binance,
        monitoring=monitoring,
        trading=trading,
        signals=SignalService(clients, auditor=audit),
        overview=StatusOverviewService(
            monitoring, trading, deadline_of(settings), settings.read_cache_seconds
        ),
        health=HealthReportService(
            monitoring,
            clients,
            shared.db,
            shared.cache,
            shared.state,
            binance,
            deadline_of(settings),
        ),
        exporter=ReportExporter(trading, shared.reports),
        credentials=credentials,
        actions=AccountActions(
            credentials, trading, audit, shared.confirmations, deployment=spec.name
        ),
    )


def build_deployments(base: Settings, config: DeploymentsConfig, shared: Shared) -> Deployments:
    items = [build_deployment(base, spec, shared) for spec in config.specs]
    return Deployments(items, config.default, from_file=config.from_file)

"""The composition root builds and every core service resolves from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from telegram_frontend.clients.backends import BackendClients
from telegram_frontend.config import migrator
from telegram_frontend.config.cache import Cache
from telegram_frontend.config.database import Database
from telegram_frontend.config.settings import Settings
from telegram_frontend.inject.container import build_container
from telegram_frontend.runtime_state import RuntimeState
from telegram_frontend.services.audit_service import AuditService
from telegram_frontend.services.chart_service import ChartService
from telegram_frontend.services.config_service import ConfigService
from telegram_frontend.services.confirmation_service import ConfirmationService
from telegram_frontend.services.monitoring_service import MonitoringService
from telegram_frontend.services.portfolio_service import PortfolioService
from telegram_frontend.services.rate_limiter import RateLimiter
from telegram_frontend.services.report_service import ReportService
from telegram_frontend.services.trading_service import TradingService
from telegram_frontend.services.user_service import UserService

SERVICES = [
    Database,
    Cache,
    UserService,
    AuditService,
    ConfigService,
    ConfirmationService,
    RateLimiter,
    BackendClients,
    MonitoringService,
    TradingService,
    PortfolioService,
    ChartService,
    ReportService,
]


@pytest.mark.usefixtures("clean_env")
async def test_every_service_resolves_from_default_settings(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'c.db'}")
    container = build_container(settings, None, RuntimeState())  # type: ignore[arg-type]
    try:
        await migrator.upgrade(await container.get(Database))
        resolved = [await container.get(kind) for kind in SERVICES]
        assert all(item is not None for item in resolved)
        assert await container.get(UserService) is await container.get(UserService)
    finally:
        await container.close()

"""The composition root builds and every core service resolves from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from telegram_frontend.clients.trading.backends import BackendClients
from telegram_frontend.core import migrator
from telegram_frontend.core.caching.cache import Cache
from telegram_frontend.core.caching.rate_limiter import RateLimiter
from telegram_frontend.core.database import Database
from telegram_frontend.core.runtime_state import RuntimeState
from telegram_frontend.core.settings import Settings
from telegram_frontend.ioc.container import build_container
from telegram_frontend.services.account.credentials import CredentialsService
from telegram_frontend.services.admin.audit import AuditService
from telegram_frontend.services.admin.confirmations import ConfirmationService
from telegram_frontend.services.admin.system_config import ConfigService
from telegram_frontend.services.admin.users import UserService
from telegram_frontend.services.charts.service import ChartService
from telegram_frontend.services.monitoring.service import MonitoringService
from telegram_frontend.services.reports.csv_writer import CsvReportWriter
from telegram_frontend.services.trading.service import TradingService

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
    CredentialsService,
    ChartService,
    CsvReportWriter,
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

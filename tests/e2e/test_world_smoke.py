"""The whole world starts: the frontend reaches the fakes through the real container."""

from __future__ import annotations

from telegram_frontend.core.access import SYSTEM
from telegram_frontend.services.account.credentials import CredentialsService
from telegram_frontend.services.monitoring.service import MonitoringService
from telegram_frontend.services.trading.service import TradingService
from tests.e2e.harness import World


async def test_services_in_the_container_reach_the_fakes(world: World) -> None:
    container = world.app.frontend.container
    trading = await container.get(TradingService)
    strategies = await trading.list_strategies(SYSTEM)
    ids = {s.id for s in getattr(strategies, "items", strategies)}
    assert {"macd:conservative-btc", "macd:aggressive-eth"} <= ids
    credentials = await container.get(CredentialsService)
    portfolio = await (await credentials.portfolio_for(SYSTEM)).portfolio(SYSTEM)
    assert portfolio.total_usdt > 0
    monitoring = await container.get(MonitoringService)
    snapshot = await monitoring.snapshot()
    assert snapshot is not None

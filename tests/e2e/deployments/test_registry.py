"""Two deployments from one file: each reads its own services, and nothing leaks between them."""

from __future__ import annotations

from telegram_frontend.core.access import SYSTEM
from telegram_frontend.services.deployments.registry import Deployments
from telegram_frontend.services.monitoring.system_status import ServiceState
from telegram_frontend.services.trading.service import TradingService
from tests.e2e.harness import World


async def test_each_deployment_reads_its_own_backends(two_worlds: World) -> None:
    container = two_worlds.app.frontend.container
    deployments = await container.get(Deployments)
    assert deployments.names() == ["testnet", "mainnet"]
    testnet, mainnet = deployments.get("testnet"), deployments.get("mainnet")
    assert deployments.default is testnet
    assert await container.get(TradingService) is testnet.trading
    assert not testnet.is_mainnet and mainnet.is_mainnet
    mainnet_world = two_worlds.sandbox.mainnet
    assert mainnet_world is not None
    assert mainnet.settings.macd_trader_url == mainnet_world.backends.url("macd_trader")
    assert testnet.settings.macd_trader_url == two_worlds.backends.url("macd_trader")
    assert mainnet.settings.binance_url == mainnet_world.binance.base_url
    assert not mainnet.settings.binance_testnet
    await mainnet_world.backends.go_down("macd_trader")
    # each deployment's health watcher keeps a snapshot cached: take fresh ones
    snapshot_down = await mainnet.monitoring.snapshot(force=True)
    snapshot_up = await testnet.monitoring.snapshot(force=True)
    assert snapshot_down.service("macd_trader").state is ServiceState.DOWN
    assert snapshot_up.service("macd_trader").state is ServiceState.UP
    assert (await testnet.trading.list_strategies(SYSTEM)).items

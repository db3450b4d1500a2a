"""Providers of the Binance adapters, the secret box and the account services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

from dishka import Provider, Scope, provide

from telegram_frontend.clients.binance import BinanceClient, BinanceClientFactory
from telegram_frontend.config.settings import Settings
from telegram_frontend.services.config_service import ConfigService
from telegram_frontend.services.order_service import OrderService, RiskLimits
from telegram_frontend.services.portfolio_service import PortfolioService
from telegram_frontend.utils.crypto import SecretBox


async def risk_limits_from(config: ConfigService) -> RiskLimits:
    """Our per-order risk limits, read fresh from the versioned configuration."""
    max_notional = await config.get("risk.max_order_notional_usdt")
    symbols = await config.get("risk.allowed_symbols")
    return RiskLimits(
        max_order_notional_usdt=Decimal(str(max_notional)) if max_notional else None,
        allowed_symbols=frozenset(symbols) if symbols else None,
    )


class BinanceProvider(Provider):
    """A shared connection pool and weight counter; the system client uses the settings' keys."""

    scope = Scope.APP

    @provide
    async def factory(self, settings: Settings) -> AsyncIterator[BinanceClientFactory]:
        factory = BinanceClientFactory(settings)
        yield factory
        await factory.aclose()

    @provide
    def system_client(self, factory: BinanceClientFactory) -> BinanceClient:
        return factory.system()

    @provide
    def portfolio(self, client: BinanceClient) -> PortfolioService:
        return PortfolioService(client)

    @provide
    def orders(self, client: BinanceClient, config: ConfigService) -> OrderService:
        return OrderService(client, lambda: risk_limits_from(config))

    @provide
    def secret_box(self, settings: Settings) -> SecretBox:
        return SecretBox.from_secret(settings.secret_key)

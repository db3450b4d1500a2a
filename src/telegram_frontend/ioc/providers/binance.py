"""Providers of the Binance adapters, the secret box and the account services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

from dishka import Provider, Scope, provide

from telegram_frontend.clients.binance.client import BinanceClient, BinanceClientFactory
from telegram_frontend.core.crypto import SecretBox
from telegram_frontend.core.settings import Settings
from telegram_frontend.services.account.orders import OrderService, RiskLimits
from telegram_frontend.services.account.portfolio import DEFAULT_DUST_USDT, PortfolioService
from telegram_frontend.services.admin.system_config import ConfigService


async def risk_limits_from(config: ConfigService) -> RiskLimits:
    """Our per-order risk limits, read fresh from the versioned configuration."""
    max_notional = await config.get("risk.max_order_notional_usdt")
    symbols = await config.get("risk.allowed_symbols")
    return RiskLimits(
        max_order_notional_usdt=Decimal(str(max_notional)) if max_notional else None,
        allowed_symbols=frozenset(symbols) if symbols else None,
    )


async def dust_threshold_from(config: ConfigService) -> Decimal:
    """`binance.dust_usdt`: balances worth less than this are folded into one dust line."""
    raw = await config.get("binance.dust_usdt")
    return Decimal(str(raw)) if raw is not None else DEFAULT_DUST_USDT


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
    async def portfolio(self, client: BinanceClient, config: ConfigService) -> PortfolioService:
        """The system account's view; per-user views read `binance.dust_usdt` on each call."""
        return PortfolioService(client, dust_threshold_usdt=await dust_threshold_from(config))

    @provide
    def orders(self, client: BinanceClient, config: ConfigService) -> OrderService:
        return OrderService(client, lambda: risk_limits_from(config))

    @provide
    def secret_box(self, settings: Settings) -> SecretBox:
        return SecretBox.from_secret(settings.secret_key)

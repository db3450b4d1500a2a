"""Providers of the Binance adapters (one pool and weight counter) and the secret box."""

from __future__ import annotations

from collections.abc import AsyncIterator

from dishka import Provider, Scope, provide

from telegram_frontend.clients.binance.client import BinanceClient, BinanceClientFactory
from telegram_frontend.core.crypto import SecretBox
from telegram_frontend.core.settings import Settings


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
    def secret_box(self, settings: Settings) -> SecretBox:
        return SecretBox.from_secret(settings.secret_key)

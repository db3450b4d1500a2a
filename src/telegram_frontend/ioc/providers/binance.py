"""Provider of the secret box (each deployment's Binance clients are built with the deployment)."""

from __future__ import annotations

from dishka import Provider, Scope, provide

from telegram_frontend.core.crypto import SecretBox
from telegram_frontend.core.settings import Settings


class BinanceProvider(Provider):
    scope = Scope.APP

    @provide
    def secret_box(self, settings: Settings) -> SecretBox:
        return SecretBox.from_secret(settings.secret_key)

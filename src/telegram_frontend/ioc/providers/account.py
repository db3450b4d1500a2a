"""Providers of the account core: the user's own credentials and the destructive actions."""

from __future__ import annotations

from dishka import Provider, Scope, provide

from telegram_frontend.clients.binance.client import BinanceClientFactory
from telegram_frontend.core.caching.cache import Cache
from telegram_frontend.core.database import Database
from telegram_frontend.core.settings import Settings
from telegram_frontend.services.account.actions import AccountActions
from telegram_frontend.services.account.credentials import CredentialsService
from telegram_frontend.services.admin.audit import AuditService
from telegram_frontend.services.admin.confirmations import ConfirmationService
from telegram_frontend.services.admin.system_config import ConfigService
from telegram_frontend.services.notifications.service import NotificationService
from telegram_frontend.services.trading.service import TradingService


class AccountProvider(Provider):
    """One `CredentialsService` and one `AccountActions` for the bot and the API alike."""

    scope = Scope.APP

    @provide
    def credentials(
        self,
        settings: Settings,
        db: Database,
        cache: Cache,
        audit: AuditService,
        config: ConfigService,
        factory: BinanceClientFactory,
        notifications: NotificationService,
    ) -> CredentialsService:
        return CredentialsService(
            db,
            cache,
            audit,
            config,
            factory,
            settings.secret_key,
            notifications=notifications,
        )

    @provide
    def actions(
        self,
        credentials: CredentialsService,
        trading: TradingService,
        audit: AuditService,
        confirmations: ConfirmationService,
    ) -> AccountActions:
        return AccountActions(credentials, trading, audit, confirmations)

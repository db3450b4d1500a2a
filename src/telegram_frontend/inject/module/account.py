"""Providers of the account core: the user's own credentials and the destructive actions."""

from __future__ import annotations

from dishka import Provider, Scope, provide

from telegram_frontend.clients.binance import BinanceClientFactory
from telegram_frontend.config.cache import Cache
from telegram_frontend.config.database import Database
from telegram_frontend.config.settings import Settings
from telegram_frontend.inject.module.binance import risk_limits_from
from telegram_frontend.services.account_actions import AccountActions
from telegram_frontend.services.audit_service import AuditService
from telegram_frontend.services.config_service import ConfigService
from telegram_frontend.services.confirmation_service import ConfirmationService
from telegram_frontend.services.credentials_service import CredentialsService
from telegram_frontend.services.trading_service import TradingService


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
    ) -> CredentialsService:
        return CredentialsService(
            db,
            cache,
            audit,
            config,
            factory,
            settings.secret_key,
            risk_limits=lambda: risk_limits_from(config),
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

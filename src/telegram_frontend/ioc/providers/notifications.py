"""Providers of the notification core: the outbox, preferences, alert rules, delivery limits."""

from __future__ import annotations

from dishka import Provider, Scope, provide

from telegram_frontend.core.database import Database
from telegram_frontend.core.settings import Settings
from telegram_frontend.services.notifications.alert_rules import AlertService
from telegram_frontend.services.notifications.event_intake import EventIntake
from telegram_frontend.services.notifications.outbox import OutboxStore
from telegram_frontend.services.notifications.preferences import NotificationPreferences
from telegram_frontend.services.notifications.service import NotificationService, OutboxSignal
from telegram_frontend.workers.delivery_limiter import DeliveryLimiter
from telegram_frontend.workers.notification_dispatcher import delivery_rates


class NotificationsProvider(Provider):
    """One outbox signal and one delivery limiter per process, shared by every dispatcher."""

    scope = Scope.APP

    signal = provide(OutboxSignal)
    alerts = provide(AlertService)
    intake = provide(EventIntake)
    preferences = provide(NotificationPreferences)

    @provide
    def store(self, db: Database) -> OutboxStore:
        return OutboxStore(db)

    @provide
    def notifications(
        self, settings: Settings, db: Database, signal: OutboxSignal
    ) -> NotificationService:
        return NotificationService(
            db,
            signal,
            default_language=settings.default_language,
            default_timezone=settings.default_timezone,
        )

    @provide
    def limiter(self, settings: Settings) -> DeliveryLimiter:
        return DeliveryLimiter(delivery_rates(settings))

"""Our own tables (all `tf_`-prefixed). Importing this package registers every model."""

from telegram_frontend.core.database import TABLE_PREFIX
from telegram_frontend.models.alert_rule import AlertRule
from telegram_frontend.models.api_key import ApiKey
from telegram_frontend.models.audit import AuditLog
from telegram_frontend.models.base import Base
from telegram_frontend.models.binance_keys import UserBinanceKeys
from telegram_frontend.models.configuration import Configuration
from telegram_frontend.models.log_record import LogRecord
from telegram_frontend.models.notification import (
    NotificationRoute,
    NotificationSettings,
    OutboxMessage,
    WorkerState,
)
from telegram_frontend.models.trading_session import TradingSession
from telegram_frontend.models.user import User
from telegram_frontend.models.webhook_update import WebhookUpdate

__all__ = [
    "TABLE_PREFIX",
    "AlertRule",
    "ApiKey",
    "AuditLog",
    "Base",
    "Configuration",
    "LogRecord",
    "NotificationRoute",
    "NotificationSettings",
    "OutboxMessage",
    "TradingSession",
    "User",
    "UserBinanceKeys",
    "WebhookUpdate",
    "WorkerState",
]

"""Every background worker of the product, built from the container (one place to add one).

The notification workers start only when their source is configured.

The dispatcher always runs (anything may queue a message); the trade poller and the risk monitor
need the trading database; the health watcher needs at least one service to watch; the
heartbeat needs the trading database or a kline source; digests need the trading database.
"""

from __future__ import annotations

from aiogram import Bot
from dishka import AsyncContainer

from telegram_frontend.bot.ui.command_menus import CommandMenuSync
from telegram_frontend.clients.binance.client import BinanceClient
from telegram_frontend.clients.trading.backends import BackendClients
from telegram_frontend.core.database import Database
from telegram_frontend.core.runtime_state import RuntimeState
from telegram_frontend.core.settings import Settings
from telegram_frontend.services.admin.access_requests import AccessRequests
from telegram_frontend.services.admin.logs import LogService
from telegram_frontend.services.admin.system_config import ConfigService
from telegram_frontend.services.admin.users import UserService
from telegram_frontend.services.deployments.registry import Deployments
from telegram_frontend.services.monitoring.service import MonitoringService
from telegram_frontend.services.notifications.alert_rules import AlertService
from telegram_frontend.services.notifications.digests import DigestService
from telegram_frontend.services.notifications.outbox import OutboxStore
from telegram_frontend.services.notifications.service import NotificationService, OutboxSignal
from telegram_frontend.services.trading.price_source import PriceSource
from telegram_frontend.services.trading.service import TradingService
from telegram_frontend.workers.access_requests import AccessRequestNotifier
from telegram_frontend.workers.alert_evaluator import AlertEvaluator
from telegram_frontend.workers.base import Worker
from telegram_frontend.workers.delivery_limiter import DeliveryLimiter
from telegram_frontend.workers.digest_scheduler import DigestScheduler
from telegram_frontend.workers.health_watcher import HealthWatcher
from telegram_frontend.workers.heartbeat import HeartbeatWatcher
from telegram_frontend.workers.leader import LeaderOnly
from telegram_frontend.workers.log_sink import LogSinkWorker
from telegram_frontend.workers.notification_dispatcher import (
    DispatcherConfig,
    NotificationDispatcher,
)
from telegram_frontend.workers.risk_monitor import RiskMonitor
from telegram_frontend.workers.trade_poller import TradePoller


async def build_dispatcher(container: AsyncContainer, settings: Settings) -> NotificationDispatcher:
    """A dispatcher wired from the container (tests start a second one the same way)."""
    return NotificationDispatcher(
        await container.get(Bot),
        await container.get(OutboxStore),
        await container.get(UserService),
        await container.get(OutboxSignal),
        await container.get(DeliveryLimiter),
        DispatcherConfig.from_settings(settings),
    )


async def notification_workers(container: AsyncContainer, settings: Settings) -> list[Worker]:
    db = await container.get(Database)
    notifications = await container.get(NotificationService)
    clients = await container.get(BackendClients)
    monitoring = await container.get(MonitoringService)
    workers: list[Worker] = [await build_dispatcher(container, settings)]
    workers.append(
        AccessRequestNotifier(await container.get(AccessRequests), settings.access_announce_seconds)
    )
    trading_db = clients.trading_db
    if trading_db is not None:
        workers.append(TradePoller(db, trading_db, notifications, settings.trade_poll_seconds))
        workers.append(
            RiskMonitor(
                db,
                trading_db,
                await container.get(ConfigService),
                notifications,
                settings.risk_poll_seconds,
            )
        )
        workers.append(
            DigestScheduler(
                DigestService(db, await container.get(TradingService), notifications),
                settings.digest_poll_seconds,
            )
        )
    services = (clients.macd, clients.grid, clients.storage, clients.collection, clients.prometheus)
    watched = any(c is not None for c in services) or trading_db is not None
    if watched:
        workers.append(
            HealthWatcher(
                db,
                monitoring,
                notifications,
                settings.health_poll_seconds,
                settings.health_flap_polls,
            )
        )
    kline_source = clients.storage is not None or clients.collection is not None
    if trading_db is not None or kline_source:
        workers.append(
            HeartbeatWatcher(
                db,
                notifications,
                trading_db=trading_db,
                monitoring=monitoring if kline_source else None,
                stale_seconds=settings.heartbeat_stale_seconds,
                interval_seconds=settings.health_poll_seconds,
            )
        )
    workers.append(
        AlertEvaluator(
            db,
            await container.get(AlertService),
            notifications,
            PriceSource(clients.storage, await container.get(BinanceClient)),
            trading_db=trading_db,
            monitoring=monitoring if watched else None,
            interval_seconds=settings.alert_poll_seconds,
        )
    )
    # The dispatcher runs in every replica (its outbox leases share the work); the pollers once.
    return [workers[0], *(LeaderOnly(db, worker) for worker in workers[1:])]


async def build_workers(container: AsyncContainer, settings: Settings) -> list[Worker]:
    """What `app.Frontend` supervises; none when `WORKERS_ENABLED` is off (tests)."""
    if not settings.workers_enabled:
        return []
    workers: list[Worker] = [LogSinkWorker(await container.get(LogService))]
    workers.append(
        CommandMenuSync(
            await container.get(Bot),
            await container.get(UserService),
            await container.get(RuntimeState),
            await container.get(Deployments),
        )
    )
    workers += await notification_workers(container, settings)
    return workers

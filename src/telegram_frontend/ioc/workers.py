"""Every background worker of the product, built from the container (one place to add one).

The notification workers start only when their source is configured.

The dispatcher always runs (anything may queue a message); the pollers and watchers run once per
deployment, each on that deployment's clients: the trade poller and the risk monitor need its
trading database; the health watcher needs at least one service to watch; the heartbeat needs
the trading database or a kline source; digests need the trading database.
"""

from __future__ import annotations

from aiogram import Bot
from dishka import AsyncContainer

from telegram_frontend.bot.ui.command_menus import CommandMenuSync
from telegram_frontend.core.database import Database
from telegram_frontend.core.runtime_state import RuntimeState
from telegram_frontend.core.settings import Settings
from telegram_frontend.services.admin.access_requests import AccessRequests
from telegram_frontend.services.admin.logs import LogService
from telegram_frontend.services.admin.system_config import ConfigService
from telegram_frontend.services.admin.users import UserService
from telegram_frontend.services.deployments.registry import Deployment, Deployments
from telegram_frontend.services.notifications.alert_rules import AlertService
from telegram_frontend.services.notifications.digests import DigestService
from telegram_frontend.services.notifications.outbox import OutboxStore
from telegram_frontend.services.notifications.service import NotificationService, OutboxSignal
from telegram_frontend.services.trading.price_source import PriceSource
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
    workers: list[Worker] = [await build_dispatcher(container, settings)]
    workers.append(
        AccessRequestNotifier(await container.get(AccessRequests), settings.access_announce_seconds)
    )
    deployments = await container.get(Deployments)
    for deployment in deployments:
        workers += await deployment_workers(container, deployment, deployments)
    # The dispatcher runs in every replica (its outbox leases share the work); the pollers once.
    return [workers[0], *(LeaderOnly(db, worker) for worker in workers[1:])]


async def deployment_workers(
    container: AsyncContainer, deployment: Deployment, deployments: Deployments
) -> list[Worker]:
    """One deployment's pollers and watchers, on its own clients and with its own state; each is
    a task of its own, so a deployment that is down or slow never holds up another's alerts."""
    db = await container.get(Database)
    settings = deployment.settings
    name = deployment.name
    tag = deployments.tag(deployment)
    notifications = (await container.get(NotificationService)).for_deployment(tag)
    clients, monitoring = deployment.clients, deployment.monitoring
    workers: list[Worker] = []
    trading_db = clients.trading_db
    if trading_db is not None:
        workers.append(
            TradePoller(db, trading_db, notifications, settings.trade_poll_seconds, deployment=name)
        )
        workers.append(
            RiskMonitor(
                db,
                trading_db,
                await container.get(ConfigService),
                notifications,
                settings.risk_poll_seconds,
                deployment=name,
            )
        )
        workers.append(
            DigestScheduler(
                DigestService(db, deployment.trading, notifications, deployment=name),
                settings.digest_poll_seconds,
                deployment=name,
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
                deployment=name,
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
                deployment=name,
            )
        )
    workers.append(
        AlertEvaluator(
            db,
            await container.get(AlertService),
            notifications,
            PriceSource(clients.storage, deployment.binance),
            trading_db=trading_db,
            monitoring=monitoring if watched else None,
            interval_seconds=settings.alert_poll_seconds,
            deployment=name,
            default=deployment is deployments.default,
        )
    )
    return workers


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

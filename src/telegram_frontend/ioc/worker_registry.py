"""The background workers of the product, built from the container (one place to add one)."""

from __future__ import annotations

from dishka import AsyncContainer

from telegram_frontend.bot.ui.command_menus import menu_sync_worker
from telegram_frontend.core.settings import Settings
from telegram_frontend.ioc.workers import notification_workers
from telegram_frontend.services.admin.logs import LogService
from telegram_frontend.workers.base import Worker
from telegram_frontend.workers.log_sink import LogSinkWorker


async def build_workers(container: AsyncContainer, settings: Settings) -> list[Worker]:
    if not settings.workers_enabled:
        return []
    workers: list[Worker] = [LogSinkWorker(await container.get(LogService))]
    workers.append(await menu_sync_worker(container))
    workers += await notification_workers(container, settings)
    return workers

"""/status, /health, /metrics and /dashboard: how the system is doing, in one tap.

Thin door: each handler asks one service and renders with `texts.py`; a backend that is
down shows up as a line and a note on the screen, never as silence.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from dishka.integrations.aiogram import FromDishka

from telegram_frontend.bot.features.system.callbacks import Screen, ScreenRefresh
from telegram_frontend.bot.features.system.keyboards import dashboards_keyboard, refresh_keyboard
from telegram_frontend.bot.features.system.texts import (
    dashboard_missing_text,
    dashboard_text,
    health_blocks,
    metrics_blocks,
    status_blocks,
)
from telegram_frontend.bot.middlewares import chat_action
from telegram_frontend.bot.middlewares.chat_policy import GROUPS
from telegram_frontend.bot.ui.command_catalog import CommandInfo
from telegram_frontend.bot.ui.pages import answer_pages, edit_screen
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.formatters import paginate
from telegram_frontend.core.settings import Settings
from telegram_frontend.models import User
from telegram_frontend.services.monitoring.health_report import (
    HealthReportService,
    delivery_figures,
)
from telegram_frontend.services.monitoring.overview import StatusOverviewService

router = Router(name="system")
chat_action.install(router.message, router.callback_query)

SLOW = "typing"


async def _screen_pages(
    screen: Screen,
    actor: Actor,
    user: User,
    overview: StatusOverviewService,
    health: HealthReportService,
) -> list[str]:
    if screen is Screen.STATUS:
        return paginate(status_blocks(await overview.overview(actor), user.timezone))
    if screen is Screen.HEALTH:
        return paginate(health_blocks(await health.report(actor), user.timezone))
    figures = delivery_figures()
    result = await overview.overview(actor, with_orders=True)
    return paginate(metrics_blocks(result, figures, user.timezone))


@router.message(
    Command("status"),
    flags={
        "role": Role.VIEWER,
        "chat_action": SLOW,
        "chat": GROUPS,
        "command": CommandInfo("status", "System overview: services, data, trading", order=10),
    },
)
async def status_command(
    message: Message,
    actor: Actor,
    user: User,
    overview: FromDishka[StatusOverviewService],
    health: FromDishka[HealthReportService],
) -> None:
    pages = await _screen_pages(Screen.STATUS, actor, user, overview, health)
    await answer_pages(message, pages, refresh_keyboard(Screen.STATUS))


@router.message(
    Command("health"),
    flags={
        "role": Role.VIEWER,
        "chat_action": SLOW,
        "chat": GROUPS,
        "command": CommandInfo(
            "health", "Health of every component, Binance and this bot", order=11
        ),
    },
)
async def health_command(
    message: Message,
    actor: Actor,
    user: User,
    overview: FromDishka[StatusOverviewService],
    health: FromDishka[HealthReportService],
) -> None:
    pages = await _screen_pages(Screen.HEALTH, actor, user, overview, health)
    await answer_pages(message, pages, refresh_keyboard(Screen.HEALTH))


@router.message(
    Command("metrics"),
    flags={
        "role": Role.VIEWER,
        "chat_action": SLOW,
        "chat": GROUPS,
        "command": CommandInfo("metrics", "Key figures: signals, P&L, data, deliveries", order=12),
    },
)
async def metrics_command(
    message: Message,
    actor: Actor,
    user: User,
    overview: FromDishka[StatusOverviewService],
    health: FromDishka[HealthReportService],
) -> None:
    pages = await _screen_pages(Screen.METRICS, actor, user, overview, health)
    await answer_pages(message, pages, refresh_keyboard(Screen.METRICS))


@router.callback_query(
    ScreenRefresh.filter(), flags={"role": Role.VIEWER, "chat_action": SLOW, "chat": GROUPS}
)
async def refresh_screen(
    query: CallbackQuery,
    callback_data: ScreenRefresh,
    actor: Actor,
    user: User,
    overview: FromDishka[StatusOverviewService],
    health: FromDishka[HealthReportService],
) -> None:
    """Edit the screen in place with fresh figures."""
    screen = callback_data.screen
    pages = await _screen_pages(screen, actor, user, overview, health)
    await edit_screen(query, pages, refresh_keyboard(screen))


@router.message(
    Command("dashboard"),
    flags={
        "role": Role.VIEWER,
        "command": CommandInfo("dashboard", "Links to the Grafana dashboards", order=13),
    },
)
async def dashboard_command(message: Message, settings: FromDishka[Settings]) -> None:
    if not settings.grafana_url:
        await message.answer(dashboard_missing_text())
        return
    missing = frozenset(settings.grafana_unprovisioned)
    await message.answer(
        dashboard_text(missing),
        reply_markup=dashboards_keyboard(settings.grafana_url, missing),
    )


def get_router() -> Router:
    """This feature's handlers, for the one router list in `bot/dispatcher.py`."""
    return router

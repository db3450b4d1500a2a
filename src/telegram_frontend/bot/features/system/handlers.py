"""/status, /health, /metrics and /dashboard: how the system is doing, in one tap.

Thin door: each handler asks one service and renders with `texts.py`; a backend that is
down shows up as a line and a note on the screen, never as silence.
"""

from __future__ import annotations

import asyncio

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from telegram_frontend.bot.features.system.callbacks import Screen, ScreenRefresh
from telegram_frontend.bot.features.system.keyboards import dashboards_keyboard, refresh_keyboard
from telegram_frontend.bot.features.system.texts import (
    dashboard_missing_text,
    dashboard_text,
    health_blocks,
    metrics_blocks,
    no_answer_reason,
    status_blocks,
    status_unknown_blocks,
)
from telegram_frontend.bot.middlewares import chat_action
from telegram_frontend.bot.middlewares.chat_policy import GROUPS
from telegram_frontend.bot.ui.command_catalog import CommandInfo
from telegram_frontend.bot.ui.deployment_choice import DEPLOYMENT_FLAG, Scope, Target
from telegram_frontend.bot.ui.pages import answer_pages, edit_screen
from telegram_frontend.core.access import Role
from telegram_frontend.core.errors import FrontendError
from telegram_frontend.core.formatters import Block, paginate, text_block
from telegram_frontend.core.settings import Settings
from telegram_frontend.models import User
from telegram_frontend.services.monitoring.health_report import delivery_figures

router = Router(name="system")
chat_action.install(router.message, router.callback_query)

SLOW = "typing"
DEADLINE_MARGIN_S = 1.0  # past the sources' own deadline, a deployment's block gives up


async def _status_of(target: Target, tz: str) -> list[Block]:
    """One deployment's /status block; a deployment that cannot answer says so in its block."""
    title = target.deployment.title if target.several else None
    overview = target.deployment.overview
    deadline = overview.deadline + DEADLINE_MARGIN_S
    try:
        result = await asyncio.wait_for(overview.overview(target.actor), deadline)
    except TimeoutError:
        return status_unknown_blocks(target.deployment.title, no_answer_reason(deadline))
    except FrontendError as exc:
        return status_unknown_blocks(target.deployment.title, exc.user_message)
    return status_blocks(result, tz, title)


async def _status_pages(targets: list[Target], tz: str) -> list[str]:
    """Every deployment asked at once: a slow one holds the screen no longer than its deadline."""
    parts = await asyncio.gather(*(_status_of(target, tz) for target in targets))
    blocks: list[Block] = []
    for part in parts:
        blocks += [*([text_block("")] if blocks else []), *part]
    return paginate(blocks)


async def _screen(
    screen: Screen, targets: list[Target], user: User
) -> tuple[list[str], InlineKeyboardMarkup | None]:
    """The pages of /status (every deployment asked), /health or /metrics, and their Refresh."""
    if screen is Screen.STATUS:
        pages = await _status_pages(targets, user.timezone)
    else:
        pages = await _one_screen(screen, targets[0], user)
    return pages, refresh_keyboard(screen, _one_or_all(targets))


async def _one_screen(screen: Screen, target: Target, user: User) -> list[str]:
    deployment, actor = target.deployment, target.actor
    if screen is Screen.HEALTH:
        report = await deployment.health.report(actor)
        return paginate(target.head_blocks(health_blocks(report, user.timezone)))
    figures = delivery_figures()
    result = await deployment.overview.overview(actor, with_orders=True)
    return paginate(target.head_blocks(metrics_blocks(result, figures, user.timezone)))


def _one_or_all(targets: list[Target]) -> str:
    """What a Refresh button carries: the one deployment shown, or "" for all (on /status)."""
    return targets[0].dep if len(targets) == 1 else ""


def _flags(scope: Scope, info: CommandInfo | None = None) -> dict[str, object]:
    flags: dict[str, object] = {
        "role": Role.VIEWER,
        "chat_action": SLOW,
        "chat": GROUPS,
        DEPLOYMENT_FLAG: scope,
    }
    return {**flags, "command": info} if info is not None else flags


SCREENS = (
    (CommandInfo("status", "System overview: services, data, trading", order=10), Scope.ALL),
    (
        CommandInfo("health", "Health of every component, Binance and this bot", order=11),
        Scope.ONLY,
    ),
    (CommandInfo("metrics", "Key figures: signals, P&L, data, deliveries", order=12), Scope.ONLY),
)
SCREEN_OF = {"status": Screen.STATUS, "health": Screen.HEALTH, "metrics": Screen.METRICS}


async def screen_command(
    message: Message, command: CommandObject, user: User, targets: list[Target]
) -> None:
    """/status (every deployment, one block each, or the one named), /health or /metrics."""
    pages, keyboard = await _screen(SCREEN_OF[command.command.lower()], targets, user)
    await answer_pages(message, pages, keyboard)


async def refresh_screen(
    query: CallbackQuery, callback_data: ScreenRefresh, user: User, targets: list[Target]
) -> None:
    """Edit the screen in place with fresh figures (on /status: every deployment, or the one
    it showed)."""
    pages, keyboard = await _screen(callback_data.screen, targets, user)
    await edit_screen(query, pages, keyboard)


for info, scope in SCREENS:
    router.message.register(screen_command, Command(info.name), flags=_flags(scope, info))
router.callback_query.register(
    refresh_screen, ScreenRefresh.filter(F.screen == Screen.STATUS), flags=_flags(Scope.ALL)
)
router.callback_query.register(
    refresh_screen, ScreenRefresh.filter(F.screen != Screen.STATUS), flags=_flags(Scope.ONE)
)


@router.message(
    Command("dashboard"),
    flags={
        "role": Role.VIEWER,
        DEPLOYMENT_FLAG: Scope.ONLY,
        "command": CommandInfo("dashboard", "Links to the Grafana dashboards", order=13),
    },
)
async def dashboard_command(message: Message, target: Target) -> None:
    """The deployment's own Grafana (each deployment may have its own)."""
    settings: Settings = target.deployment.settings
    if not settings.grafana_url:
        await message.answer(target.headed(dashboard_missing_text()))
        return
    missing = frozenset(settings.grafana_unprovisioned)
    await message.answer(
        target.headed(dashboard_text(missing)),
        reply_markup=dashboards_keyboard(settings.grafana_url, missing),
    )


def get_router() -> Router:
    """This feature's handlers, for the one router list in `bot/dispatcher.py`."""
    return router

"""/status, /health, /metrics and /dashboard: how the system is doing, in one tap.

Thin door: each handler asks one service and renders with `texts.py`; a backend that is
down shows up as a line and a note on the screen, never as silence.
"""

from __future__ import annotations

import asyncio

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

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


async def _screen_pages(screen: Screen, target: Target, user: User) -> list[str]:
    deployment, actor = target.deployment, target.actor
    if screen is Screen.HEALTH:
        report = await deployment.health.report(actor)
        return paginate(target.head_blocks(health_blocks(report, user.timezone)))
    figures = delivery_figures()
    result = await deployment.overview.overview(actor, with_orders=True)
    return paginate(target.head_blocks(metrics_blocks(result, figures, user.timezone)))


def _one_or_all(targets: list[Target]) -> str:
    """What the Refresh button of /status carries: the one deployment shown, or "" for all."""
    return targets[0].dep if len(targets) == 1 else ""


@router.message(
    Command("status"),
    flags={
        "role": Role.VIEWER,
        "chat_action": SLOW,
        "chat": GROUPS,
        DEPLOYMENT_FLAG: Scope.ALL,
        "command": CommandInfo("status", "System overview: services, data, trading", order=10),
    },
)
async def status_command(message: Message, user: User, targets: list[Target]) -> None:
    """Every deployment, one block each (or the one named: `/status mainnet`)."""
    pages = await _status_pages(targets, user.timezone)
    await answer_pages(message, pages, refresh_keyboard(Screen.STATUS, _one_or_all(targets)))


@router.message(
    Command("health"),
    flags={
        "role": Role.VIEWER,
        "chat_action": SLOW,
        "chat": GROUPS,
        DEPLOYMENT_FLAG: Scope.ONLY,
        "command": CommandInfo(
            "health", "Health of every component, Binance and this bot", order=11
        ),
    },
)
async def health_command(message: Message, user: User, target: Target) -> None:
    pages = await _screen_pages(Screen.HEALTH, target, user)
    await answer_pages(message, pages, refresh_keyboard(Screen.HEALTH, target.dep))


@router.message(
    Command("metrics"),
    flags={
        "role": Role.VIEWER,
        "chat_action": SLOW,
        "chat": GROUPS,
        DEPLOYMENT_FLAG: Scope.ONLY,
        "command": CommandInfo("metrics", "Key figures: signals, P&L, data, deliveries", order=12),
    },
)
async def metrics_command(message: Message, user: User, target: Target) -> None:
    pages = await _screen_pages(Screen.METRICS, target, user)
    await answer_pages(message, pages, refresh_keyboard(Screen.METRICS, target.dep))


@router.callback_query(
    ScreenRefresh.filter(F.screen == Screen.STATUS),
    flags={"role": Role.VIEWER, "chat_action": SLOW, "chat": GROUPS, DEPLOYMENT_FLAG: Scope.ALL},
)
async def refresh_status(query: CallbackQuery, user: User, targets: list[Target]) -> None:
    """Edit /status in place with fresh figures (every deployment, or the one it showed)."""
    pages = await _status_pages(targets, user.timezone)
    await edit_screen(query, pages, refresh_keyboard(Screen.STATUS, _one_or_all(targets)))


@router.callback_query(
    ScreenRefresh.filter(F.screen != Screen.STATUS),
    flags={"role": Role.VIEWER, "chat_action": SLOW, "chat": GROUPS, DEPLOYMENT_FLAG: Scope.ONE},
)
async def refresh_screen(
    query: CallbackQuery, callback_data: ScreenRefresh, user: User, target: Target
) -> None:
    """Edit /health or /metrics in place with fresh figures."""
    screen = callback_data.screen
    pages = await _screen_pages(screen, target, user)
    await edit_screen(query, pages, refresh_keyboard(screen, target.dep))


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

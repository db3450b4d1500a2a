"""/performance [24h|7d|30d|all]: every strategy's figures for a period, ranked, with a chart."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from dishka.integrations.aiogram import FromDishka

from telegram_frontend.bot.features.performance.callbacks import (
    PerformanceChart,
    PerformancePeriod,
)
from telegram_frontend.bot.features.performance.keyboards import period_keyboard
from telegram_frontend.bot.features.performance.texts import (
    PERIOD_LABELS,
    chart_caption,
    screen_blocks,
    unknown_period_text,
)
from telegram_frontend.bot.middlewares import chat_action
from telegram_frontend.bot.ui.command_catalog import CommandInfo
from telegram_frontend.bot.ui.deployment_choice import DEPLOYMENT_FLAG, Scope, Target
from telegram_frontend.bot.ui.pages import answer_pages, edit_screen
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.formatters import paginate
from telegram_frontend.core.i18n import _
from telegram_frontend.models import User
from telegram_frontend.services.charts.inputs import StrategyComparison
from telegram_frontend.services.charts.service import ChartService
from telegram_frontend.services.trading.performance import Period

router = Router(name="performance")
chat_action.install(router.message, router.callback_query)

DEFAULT_PERIOD = Period.WEEK


def parse_period(text: str | None) -> Period | None:
    """`7d`, `7D`, ` all ` → a Period; empty → the default; anything else → None."""
    value = (text or "").strip().lower()
    if not value:
        return DEFAULT_PERIOD
    try:
        return Period(value)
    except ValueError:
        return None


async def _screen(
    target: Target, actor: Actor, period: Period
) -> tuple[list[str], InlineKeyboardMarkup | None]:
    found = await target.deployment.trading.performance(actor, period)
    blocks = screen_blocks(found.items, period, found.unavailable)
    return paginate(target.head_blocks(blocks)), period_keyboard(period, target.dep)


@router.message(
    Command("performance"),
    flags={
        "role": Role.VIEWER,
        "chat_action": "typing",
        DEPLOYMENT_FLAG: Scope.ONE,
        "command": CommandInfo(
            "performance", "Strategy performance and ranking", "[24h|7d|30d|all]", order=31
        ),
    },
)
async def performance_command(
    message: Message, command: CommandObject, actor: Actor, target: Target
) -> None:
    period = parse_period(command.args)
    if period is None:
        await message.answer(unknown_period_text(command.args or ""))
        return
    pages, keyboard = await _screen(target, actor, period)
    await answer_pages(message, pages, keyboard)


@router.callback_query(
    PerformancePeriod.filter(),
    flags={"role": Role.VIEWER, "chat_action": "typing", DEPLOYMENT_FLAG: Scope.ONE},
)
async def performance_period(
    query: CallbackQuery, callback_data: PerformancePeriod, actor: Actor, target: Target
) -> None:
    pages, keyboard = await _screen(target, actor, callback_data.period)
    await edit_screen(query, pages, keyboard, done_text=str(PERIOD_LABELS[callback_data.period]))


@router.callback_query(
    PerformanceChart.filter(),
    flags={"role": Role.VIEWER, "chat_action": "upload_photo", DEPLOYMENT_FLAG: Scope.ONE},
)
async def performance_chart(
    query: CallbackQuery,
    callback_data: PerformanceChart,
    actor: Actor,
    user: User,
    target: Target,
    charts: FromDishka[ChartService],
) -> None:
    """The strategies side by side (P&L, win rate, drawdown) as a photo."""
    period = callback_data.period
    found = await target.deployment.trading.performance(actor, period)
    rows = [r for r in found.items if r.pnl is not None]
    if not rows or not isinstance(query.message, Message):
        await query.answer(_("No strategy has figures for this period yet."), show_alert=True)
        return
    compared = [
        StrategyComparison(r.name or r.instance_id, r.pnl, r.win_rate, r.max_drawdown_pct)
        for r in rows
    ]
    version = "|".join(f"{r.instance_id}:{r.pnl}:{r.end_equity}" for r in rows)
    chart = await charts.comparison(
        compared,
        version=f"{period.value}:{version}",
        title=_("Strategies compared"),
        theme="dark" if user.chart_theme == "dark" else "light",
    )
    await query.message.answer_photo(
        BufferedInputFile(chart.png, filename="performance.png"),
        caption=target.headed(chart_caption(found.items, period)),
    )
    await query.answer()


def get_router() -> Router:
    """This feature's handlers, for the one router list in `bot/dispatcher.py`."""
    return router

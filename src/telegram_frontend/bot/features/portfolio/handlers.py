"""/portfolio and /positions: what the account holds and what the strategies hold.

Each part comes from its own source (Binance for the account, the traders for the strategies'
balances, the trading database for positions); one source failing becomes a sentence and the
rest is still shown. The allocation chart is rendered off the event loop by `ChartService`.
"""

from __future__ import annotations

import hashlib

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from dishka import AsyncContainer

from telegram_frontend.bot.features.portfolio.callbacks import AllocationChart
from telegram_frontend.bot.features.portfolio.keyboards import allocation_keyboard
from telegram_frontend.bot.features.portfolio.texts import (
    allocation_caption,
    binance_problem_block,
    portfolio_blocks,
    positions_blocks,
    positions_unavailable_blocks,
    problem_block,
    strategy_balance_blocks,
)
from telegram_frontend.bot.middlewares import chat_action
from telegram_frontend.bot.ui.command_catalog import CommandInfo
from telegram_frontend.bot.ui.deployment_choice import DEPLOYMENT_FLAG, Scope, Target
from telegram_frontend.bot.ui.pages import answer_pages
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.errors import FrontendError
from telegram_frontend.core.formatters import Block, paginate
from telegram_frontend.core.i18n import _
from telegram_frontend.models import User
from telegram_frontend.services.account.portfolio import Portfolio
from telegram_frontend.services.charts.inputs import AllocationSlice, Theme
from telegram_frontend.services.charts.service import ChartService

router = Router(name="portfolio")
chat_action.install(router.message, router.callback_query)


@router.message(
    Command("portfolio"),
    flags={
        "role": Role.VIEWER,
        "chat_action": "typing",
        DEPLOYMENT_FLAG: Scope.ONLY,
        "command": CommandInfo(
            "portfolio", "Balances in USDT and the strategies' balances", order=20
        ),
    },
)
async def portfolio(message: Message, actor: Actor, user: User, target: Target) -> None:
    """The Binance account valued now, then the strategies' virtual balances."""
    blocks: list[Block] = []
    chart_button: InlineKeyboardMarkup | None = None
    credentials, trading = target.deployment.credentials, target.deployment.trading
    try:
        account = await credentials.account_for(actor)
        held = await account.portfolio.portfolio(actor)
        blocks += portfolio_blocks(held, account.own_keys, user.timezone)
        if held.holdings:
            chart_button = allocation_keyboard(target.dep)
    except FrontendError as exc:
        blocks.append(binance_problem_block(exc))
    try:
        blocks += strategy_balance_blocks(await trading.list_strategies(actor))
    except FrontendError as exc:
        blocks.append(problem_block(exc.user_message))
    await answer_pages(message, paginate(target.head_blocks(blocks)), chart_button)


def _slices(held: Portfolio) -> list[AllocationSlice]:
    slices = [
        AllocationSlice(h.asset, h.value_usdt) for h in held.holdings if h.value_usdt is not None
    ]
    if held.dust is not None:
        slices.append(AllocationSlice(_("Dust"), held.dust.value_usdt))
    return slices


@router.callback_query(
    AllocationChart.filter(),
    flags={"role": Role.VIEWER, "chat_action": "upload_photo", DEPLOYMENT_FLAG: Scope.ONE},
)
async def allocation_chart(
    query: CallbackQuery,
    actor: Actor,
    user: User,
    target: Target,
    dishka_container: AsyncContainer,
) -> None:
    """A donut of the holdings by value, as a photo with a short caption."""
    account = await target.deployment.credentials.account_for(actor)
    held = await account.portfolio.portfolio(actor)
    slices = _slices(held)
    if not slices or not isinstance(query.message, Message):
        await query.answer(_("There is nothing to chart."), show_alert=True)
        return
    await query.answer()
    fingerprint = "|".join(f"{s.asset}={s.value_usdt}" for s in slices)
    version = hashlib.sha256(fingerprint.encode()).hexdigest()[:16]
    theme: Theme = "dark" if user.chart_theme == "dark" else "light"
    charts = await dishka_container.get(ChartService)
    chart = await charts.allocation(
        slices,
        version=version,
        title=_("Allocation"),
        tz=user.timezone,
        theme=theme,
        as_of=held.as_of,
    )
    await query.message.answer_photo(
        BufferedInputFile(chart.png, filename="allocation.png"),
        caption=target.headed(allocation_caption(account.own_keys, held)),
    )


@router.message(
    Command("positions"),
    flags={
        "role": Role.VIEWER,
        DEPLOYMENT_FLAG: Scope.ONLY,
        "command": CommandInfo("positions", "Open positions of the strategies", order=21),
    },
)
async def positions(message: Message, actor: Actor, user: User, target: Target) -> None:
    try:
        found = await target.deployment.trading.positions(actor)
        blocks = positions_blocks(found, user.timezone)
    except FrontendError as exc:
        blocks = positions_unavailable_blocks(exc.user_message)
    for part in paginate(target.head_blocks(blocks)):
        await message.answer(part)


def get_router() -> Router:
    """This feature's handlers, for the one router list in `bot/dispatcher.py`."""
    return router

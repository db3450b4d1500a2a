"""/strategy: the strategies, each one's card, and a confirmed Start/Stop for traders.

Start/Stop never acts on the first tap: it issues a one-time token kept server-side (the
button carries only the token), and the confirmation acts once within the TTL. A strategy the
backend cannot start or stop (MACD today) says so in a sentence instead of offering a dead button.
"""

from __future__ import annotations

import asyncio

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from dishka.integrations.aiogram import FromDishka

from telegram_frontend.bot.features.strategy.callbacks import (
    CardAction,
    StrategyCard,
    StrategyConfirm,
    StrategyPage,
)
from telegram_frontend.bot.features.strategy.keyboards import (
    card_keyboard,
    confirm_keyboard,
    list_keyboard,
)
from telegram_frontend.bot.features.strategy.texts import (
    already_text,
    cannot_switch_text,
    card_blocks,
    confirm_text,
    equity_caption,
    equity_title,
    list_blocks,
    switched_text,
)
from telegram_frontend.bot.middlewares import chat_action
from telegram_frontend.bot.ui.command_catalog import CommandInfo
from telegram_frontend.bot.ui.confirmed_actions import (
    Outcome,
    code_needed,
    offer,
    settle_code,
    settle_press,
)
from telegram_frontend.bot.ui.deployment_choice import DEPLOYMENT_FLAG, STATE_KEY, Scope, Target
from telegram_frontend.bot.ui.keyboards import clamp_page, page_count
from telegram_frontend.bot.ui.pages import answer_pages, edit_screen
from telegram_frontend.bot.ui.strategy_refs import resolve_ref
from telegram_frontend.clients.trading_db.reader import AnalysisEvent
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.errors import (
    AlreadyInState,
    ConfirmationExpired,
    FrontendError,
)
from telegram_frontend.core.formatters import paginate
from telegram_frontend.core.i18n import _
from telegram_frontend.models import User
from telegram_frontend.services.account.credentials import TotpRequired
from telegram_frontend.services.admin.confirmations import ConfirmationService, Pending
from telegram_frontend.services.charts.inputs import EquityPoint as ChartPoint
from telegram_frontend.services.charts.inputs import Theme
from telegram_frontend.services.charts.service import ChartService
from telegram_frontend.services.trading.performance import Period
from telegram_frontend.services.trading.records import (
    Strategy,
    StrategyKind,
    StrategyPerformance,
)
from telegram_frontend.services.trading.service import TradingService

router = Router(name="strategy")
chat_action.install(router.message, router.callback_query)

PAGE_SIZE = 8
SLOW = "typing"
ACTIONS = {True: "strategy.start", False: "strategy.stop"}


class StopCode(StatesGroup):
    """Waiting for the TOTP code that confirms a strategy stop (when it is required)."""

    code = State()


async def _list_screen(
    target: Target, actor: Actor, page: int
) -> tuple[list[str], InlineKeyboardMarkup | None]:
    found = await target.deployment.trading.list_strategies(actor)
    strategies = found.items
    pages = page_count(len(strategies), PAGE_SIZE)
    page = clamp_page(page, pages)
    shown = strategies[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    blocks = list_blocks(strategies, shown, found.unavailable, page, pages)
    return paginate(target.head_blocks(blocks)), list_keyboard(shown, page, pages, target.dep)


async def _last_signal(
    trading: TradingService, actor: Actor, strategy: Strategy
) -> AnalysisEvent | None:
    if strategy.kind is not StrategyKind.MACD:
        return None
    try:
        events = await trading.analysis_events(actor, strategy.id, limit=1)
    except FrontendError:
        return None  # the card still shows everything the trader reported
    return events[0] if events else None


async def _week_figures(
    trading: TradingService, actor: Actor, strategy: Strategy
) -> StrategyPerformance | str | None:
    """The strategy's row of `/performance 7d`, or why it could not be read; nothing for a
    grid (it keeps no history the frontend can read)."""
    if strategy.kind is not StrategyKind.MACD:
        return None
    try:
        return await trading.strategy_performance(actor, strategy.id, Period.WEEK)
    except FrontendError as exc:
        return exc.user_message  # the card still shows everything the trader reported


async def _card_screen(
    target: Target, actor: Actor, user: User, strategy_id: str
) -> tuple[list[str], InlineKeyboardMarkup | None]:
    trading = target.deployment.trading
    strategy = await trading.get_strategy(actor, strategy_id)
    signal, week = await asyncio.gather(
        _last_signal(trading, actor, strategy), _week_figures(trading, actor, strategy)
    )
    trader = actor.role.allows(Role.TRADER)
    blocks = card_blocks(
        strategy, signal, user.timezone, show_controls_note=trader, figures_of_week=week
    )
    pages = paginate(target.head_blocks(blocks))
    return pages, card_keyboard(strategy, actor.role, target.dep)


@router.message(
    Command("strategy"),
    flags={
        "role": Role.VIEWER,
        "chat_action": SLOW,
        DEPLOYMENT_FLAG: Scope.ONE,
        "command": CommandInfo("strategy", "Strategies: cards, start and stop", "[id]", order=30),
    },
)
async def strategy_command(
    message: Message, command: CommandObject, actor: Actor, user: User, target: Target
) -> None:
    """Without an argument the list; with a strategy id its card."""
    wanted = (command.args or "").strip()
    if wanted:
        pages, keyboard = await _card_screen(target, actor, user, wanted)
    else:
        pages, keyboard = await _list_screen(target, actor, 0)
    await answer_pages(message, pages, keyboard)


@router.callback_query(
    StrategyPage.filter(),
    flags={"role": Role.VIEWER, "chat_action": SLOW, DEPLOYMENT_FLAG: Scope.ONE},
)
async def strategy_page(
    query: CallbackQuery, callback_data: StrategyPage, actor: Actor, target: Target
) -> None:
    pages, keyboard = await _list_screen(target, actor, callback_data.page)
    await edit_screen(query, pages, keyboard)


@router.callback_query(
    StrategyCard.filter(F.action.in_({CardAction.OPEN, CardAction.REFRESH})),
    flags={"role": Role.VIEWER, "chat_action": SLOW, DEPLOYMENT_FLAG: Scope.ONE},
)
async def strategy_card(
    query: CallbackQuery,
    callback_data: StrategyCard,
    actor: Actor,
    user: User,
    target: Target,
) -> None:
    """Open a card from the list, or refresh it, in place."""
    strategy_id = await resolve_ref(target.deployment.trading, actor, callback_data.ref)
    pages, keyboard = await _card_screen(target, actor, user, strategy_id)
    done = _("Updated") if callback_data.action is CardAction.REFRESH else _("Opened")
    await edit_screen(query, pages, keyboard, done_text=done)


@router.callback_query(
    StrategyCard.filter(F.action == CardAction.CHART),
    flags={"role": Role.VIEWER, "chat_action": "upload_photo", DEPLOYMENT_FLAG: Scope.ONE},
)
async def strategy_chart(
    query: CallbackQuery,
    callback_data: StrategyCard,
    actor: Actor,
    user: User,
    target: Target,
    charts: FromDishka[ChartService],
) -> None:
    """The equity curve of the last 7 days as a photo under the card."""
    trading = target.deployment.trading
    strategy_id = await resolve_ref(trading, actor, callback_data.ref)
    points = await trading.equity_series(actor, strategy_id)
    if not points or not isinstance(query.message, Message):
        await query.answer(_("No equity data for this strategy yet."), show_alert=True)
        return
    theme: Theme = "dark" if user.chart_theme == "dark" else "light"
    chart = await charts.equity(
        [ChartPoint(p.at, p.equity) for p in points],
        version=f"{len(points)}:{points[-1].at.isoformat()}",
        title=equity_title(strategy_id),
        tz=user.timezone,
        theme=theme,
    )
    await query.message.answer_photo(
        BufferedInputFile(chart.png, filename="equity.png"),
        caption=target.headed(equity_caption(strategy_id)),
    )
    await query.answer()


@router.callback_query(
    StrategyCard.filter(F.action.in_({CardAction.START, CardAction.STOP})),
    flags={"role": Role.TRADER, DEPLOYMENT_FLAG: Scope.ONE},
)
async def ask_to_switch(
    query: CallbackQuery,
    callback_data: StrategyCard,
    actor: Actor,
    state: FSMContext,
    target: Target,
    confirmations: FromDishka[ConfirmationService],
) -> None:
    """Start/Stop tapped: a plain sentence if it cannot be done, else a confirmation."""
    trading, credentials = target.deployment.trading, target.deployment.credentials
    start = callback_data.action is CardAction.START
    strategy_id = await resolve_ref(trading, actor, callback_data.ref)
    strategy = await trading.get_strategy(actor, strategy_id)
    if not isinstance(query.message, Message):
        await query.answer(_("This message is too old; send the command again."), show_alert=True)
        return
    if not strategy.can_start_stop:
        await query.answer()
        await query.message.answer(target.headed(cannot_switch_text(strategy)))
        return
    try:
        by_code = not start and await code_needed(credentials, actor)
    except TotpRequired as exc:
        await query.answer(exc.user_message, show_alert=True)
        return
    payload = target.stamp({"strategy_id": strategy.id})
    question = target.headed(confirm_text(strategy, start, confirmations.ttl), confirming=True)
    pending = await confirmations.issue(actor.label, ACTIONS[start], payload)
    keyboard = confirm_keyboard(pending.token, start, target.dep)
    await offer(
        query.message,
        question,
        pending.token,
        keyboard,
        state=state,
        code_state=StopCode.code if by_code else None,
        remember={STATE_KEY: target.name},
    )
    await query.answer()


async def _switch(actor: Actor, target: Target, pending: Pending) -> Outcome:
    """Start or stop as the token says; a repeated switch is nothing to do, nothing wrong."""
    trading = target.deployment.trading
    start = pending.action == ACTIONS[True]
    strategy_id = str(pending.payload.get("strategy_id", ""))
    try:
        strategy = await (trading.start_strategy if start else trading.stop_strategy)(
            actor, strategy_id
        )
    except AlreadyInState as exc:
        return Outcome(already_text(exc.user_message), _("Nothing to change"))
    return Outcome(switched_text(strategy, start), _("Started") if start else _("Stopped"))


@router.message(
    StopCode.code,
    F.text,
    ~F.text.startswith("/"),
    flags={"role": Role.TRADER, DEPLOYMENT_FLAG: Scope.ONE},
)
async def stop_code(
    message: Message,
    actor: Actor,
    state: FSMContext,
    target: Target,
    confirmations: FromDishka[ConfirmationService],
) -> None:
    """One attempt: a valid TOTP code stops the strategy; anything else does nothing."""

    async def run(token: str, code: str) -> Outcome:
        pending = await confirmations.consume(actor.label, token)
        if pending.action != ACTIONS[False]:
            raise ConfirmationExpired()
        target.check_owns(pending.payload)
        credentials = target.deployment.credentials
        await credentials.check_second_factor(actor, code, ACTIONS[False])
        return await _switch(actor, target, pending)

    await settle_code(message, state, run, target.headed)


@router.callback_query(
    StrategyConfirm.filter(),
    flags={"role": Role.TRADER, "chat_action": SLOW, DEPLOYMENT_FLAG: Scope.ONE},
)
async def confirm_switch(
    query: CallbackQuery,
    callback_data: StrategyConfirm,
    actor: Actor,
    target: Target,
    confirmations: FromDishka[ConfirmationService],
) -> None:
    """Take the token once, then act; the confirmation message becomes the outcome."""

    async def run() -> Outcome:
        pending = await confirmations.consume(actor.label, callback_data.token)
        if pending.action not in ACTIONS.values():
            raise ConfirmationExpired()
        target.check_owns(pending.payload)
        return await _switch(actor, target, pending)

    async def drop() -> bool:
        return await confirmations.cancel(actor.label, callback_data.token)

    await settle_press(query, yes=callback_data.ok, drop=drop, run=run, headed=target.headed)


def get_router() -> Router:
    """This feature's handlers, for the one router list in `bot/dispatcher.py`."""
    return router

"""/orders and /order: the account's open and recent orders, cancelling them, placing one.

Every cancel or order goes through `AccountActions` behind a one-time confirmation: the buttons
carry only the symbol and order id (or a token), and viewers never see a cancel button; a
crafted one is refused by the role gate and again by the core.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal, InvalidOperation

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from dishka.integrations.aiogram import FromDishka

from telegram_frontend.bot.features.orders.callbacks import ORDERS_VIEW, CancelOrder, CancelSymbol
from telegram_frontend.bot.features.orders.keyboards import orders_keyboard
from telegram_frontend.bot.features.orders.texts import (
    cancel_order_question,
    cancel_symbol_question,
    confirm_cancel_all_label,
    confirm_cancel_order_label,
    keep_label,
    order_usage_text,
    orders_page_text,
    outcome_text,
    place_question,
    unavailable_text,
)
from telegram_frontend.bot.middlewares import chat_action
from telegram_frontend.bot.ui.callbacks import ORDERS_SCOPE, Confirm, Page
from telegram_frontend.bot.ui.command_catalog import CommandInfo
from telegram_frontend.bot.ui.confirmed_actions import Outcome, offer, settle_code, settle_press
from telegram_frontend.bot.ui.deployment_choice import DEPLOYMENT_FLAG, STATE_KEY, Scope, Target
from telegram_frontend.bot.ui.keyboards import clamp_page, confirm_keyboard, page_count
from telegram_frontend.bot.ui.outcomes import failed_text
from telegram_frontend.bot.ui.pages import edit_screen
from telegram_frontend.clients.binance.models import Order
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.errors import FrontendError
from telegram_frontend.core.formatters import paginate
from telegram_frontend.models import User
from telegram_frontend.services.account.actions import Proposal
from telegram_frontend.services.account.portfolio import OrderWithFills, PortfolioService
from telegram_frontend.services.admin.system_config import ConfigService

router = Router(name="orders")
chat_action.install(router.message, router.callback_query)
PAGE_SIZE = 6
HISTORY_PER_SYMBOL = 10


async def _history(
    actor: Actor, portfolio: PortfolioService, symbols: list[str]
) -> tuple[list[OrderWithFills], list[str]]:
    """Closed orders of every symbol of interest, newest first; failures become notes."""
    results = await asyncio.gather(
        *(portfolio.order_history(actor, s, limit=HISTORY_PER_SYMBOL) for s in symbols),
        return_exceptions=True,
    )
    history: list[OrderWithFills] = []
    notes: list[str] = []
    for result in results:
        if isinstance(result, FrontendError):
            if result.user_message not in notes and "symbol" not in result.user_message:
                notes.append(result.user_message)
        elif isinstance(result, BaseException):
            raise result
        else:
            history += [h for h in result if not h.order.is_open]
    history.sort(key=lambda h: (h.order.timestamp_ms or 0, h.order.order_id), reverse=True)
    return history, notes


async def _render(
    actor: Actor,
    user: User,
    page: int,
    target: Target,
    config: ConfigService,
) -> tuple[str, InlineKeyboardMarkup | None]:
    account = await target.deployment.credentials.account_for(actor)
    open_orders = await account.portfolio.open_orders(actor)
    allowed = await config.get("risk.allowed_symbols") or []
    symbols = sorted({str(s) for s in allowed} | {o.symbol for o in open_orders})
    history, notes = await _history(actor, account.portfolio, symbols)
    items: list[Order | OrderWithFills] = [*open_orders, *history]
    pages = page_count(len(items), PAGE_SIZE)
    page = clamp_page(page, pages)
    shown = items[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    open_page = [o for o in shown if isinstance(o, Order)]
    history_page = [h for h in shown if isinstance(h, OrderWithFills)]
    text = orders_page_text(
        open_page,
        history_page,
        len(open_orders),
        account.own_keys,
        page,
        pages,
        user.timezone,
        notes,
    )
    can_cancel = actor.role.allows(Role.TRADER)
    keyboard = orders_keyboard(open_page, open_orders, can_cancel, page, pages, target.dep)
    return target.headed(text), keyboard


@router.message(
    Command("orders"),
    flags={
        "role": Role.VIEWER,
        "chat_action": "typing",
        DEPLOYMENT_FLAG: Scope.ONLY,
        "command": CommandInfo("orders", "Open and recent orders; cancel them", order=22),
    },
)
async def orders(
    message: Message,
    actor: Actor,
    user: User,
    target: Target,
    config: FromDishka[ConfigService],
) -> None:
    try:
        text, keyboard = await _render(actor, user, 0, target, config)
    except FrontendError as exc:
        await message.answer(target.headed(unavailable_text(exc.user_message)))
        return
    await message.answer(text, reply_markup=keyboard)


@router.callback_query(
    Page.filter(F.view == ORDERS_VIEW),
    flags={"role": Role.VIEWER, "chat_action": "typing", DEPLOYMENT_FLAG: Scope.ONE},
)
async def orders_page(
    query: CallbackQuery,
    callback_data: Page,
    actor: Actor,
    user: User,
    target: Target,
    config: FromDishka[ConfigService],
) -> None:
    """Prev/Next: the same message, edited to show another page."""
    text, keyboard = await _render(actor, user, callback_data.page, target, config)
    await edit_screen(query, paginate([text]), keyboard)


class SecondFactor(StatesGroup):
    """Waiting for the TOTP code that confirms an order or cancel-all (when it is required)."""

    code = State()


async def _ask(
    message: Message | None,
    target: Target,
    question: str,
    proposal: Proposal,
    state: FSMContext,
    yes_text: str | None = None,
) -> None:
    """Offer the buttons ("Yes, cancel …" / "Keep it" for cancels), or, when TOTP is
    required, ask for the code instead. The question names the deployment first."""
    if message is None:
        return
    question = target.headed(question, confirming=True)
    no_text = keep_label() if yes_text is not None else None
    keyboard = confirm_keyboard(ORDERS_SCOPE, proposal.token, yes_text, no_text, target.dep)
    await offer(
        message,
        question,
        proposal.token,
        keyboard,
        state=state,
        code_state=SecondFactor.code if proposal.totp else None,
        remember={STATE_KEY: target.name},
    )


@router.message(
    SecondFactor.code,
    F.text,
    ~F.text.startswith("/"),
    flags={"role": Role.TRADER, "chat_action": "typing", DEPLOYMENT_FLAG: Scope.ONE},
)
async def second_factor_code(
    message: Message,
    actor: Actor,
    user: User,
    state: FSMContext,
    target: Target,
) -> None:
    """One attempt: the right code runs the order action; a wrong one does nothing."""

    async def run(token: str, code: str) -> Outcome:
        result = await target.deployment.actions.confirm(actor, token, code)
        return Outcome(outcome_text(result, user.timezone))

    await settle_code(message, state, run, target.headed)


@router.callback_query(
    CancelOrder.filter(), flags={"role": Role.TRADER, DEPLOYMENT_FLAG: Scope.ONE}
)
async def ask_cancel_order(
    query: CallbackQuery,
    callback_data: CancelOrder,
    actor: Actor,
    state: FSMContext,
    target: Target,
) -> None:
    proposal = await target.deployment.actions.propose_cancel_order(
        actor, callback_data.symbol, callback_data.order_id
    )
    question = cancel_order_question(
        callback_data.symbol, callback_data.order_id, proposal.ttl_seconds
    )
    label = confirm_cancel_order_label()
    await _ask(_message_of(query), target, question, proposal, state, label)
    await query.answer()


@router.callback_query(
    CancelSymbol.filter(), flags={"role": Role.TRADER, DEPLOYMENT_FLAG: Scope.ONE}
)
async def ask_cancel_symbol(
    query: CallbackQuery,
    callback_data: CancelSymbol,
    actor: Actor,
    state: FSMContext,
    target: Target,
) -> None:
    proposal = await target.deployment.actions.propose_cancel_all(actor, callback_data.symbol)
    question = cancel_symbol_question(callback_data.symbol, proposal.ttl_seconds)
    label = confirm_cancel_all_label()
    await _ask(_message_of(query), target, question, proposal, state, label)
    await query.answer()


def _message_of(query: CallbackQuery) -> Message | None:
    return query.message if isinstance(query.message, Message) else None


@router.callback_query(
    Confirm.filter(F.scope == ORDERS_SCOPE),
    flags={"role": Role.TRADER, "chat_action": "typing", DEPLOYMENT_FLAG: Scope.ONE},
)
async def confirm_order_action(
    query: CallbackQuery,
    callback_data: Confirm,
    actor: Actor,
    user: User,
    target: Target,
) -> None:
    """Run the confirmed cancel/place once; a stale or replayed token does nothing."""
    actions = target.deployment.actions

    async def run() -> Outcome:
        result = await actions.confirm(actor, callback_data.token)
        return Outcome(outcome_text(result, user.timezone))

    async def drop() -> bool:
        return await actions.abandon(actor, callback_data.token)

    await settle_press(query, yes=callback_data.yes, drop=drop, run=run, headed=target.headed)


def _parse_order(args: str) -> tuple[str, str, Decimal, Decimal | None, str] | None:
    """`buy|sell SYMBOL QTY [PRICE [GTC|IOC|FOK]]`; the time in force only with a price."""
    parts = args.split()
    if len(parts) not in (3, 4, 5) or parts[0].lower() not in ("buy", "sell"):
        return None
    tif = parts[4].upper() if len(parts) == 5 else "GTC"
    if tif not in ("GTC", "IOC", "FOK"):
        return None
    try:
        quantity = Decimal(parts[2].replace(",", "."))
        price = Decimal(parts[3].replace(",", ".")) if len(parts) >= 4 else None
    except InvalidOperation:
        return None
    if not quantity.is_finite() or (price is not None and not price.is_finite()):
        return None
    return parts[0].upper(), parts[1].upper(), quantity, price, tif


@router.message(
    Command("order"),
    flags={
        "role": Role.TRADER,
        DEPLOYMENT_FLAG: Scope.ONE,
        "command": CommandInfo(
            "order",
            "Place a market or limit order",
            "buy|sell SYMBOL QTY [PRICE [GTC|IOC|FOK]]",
            order=23,
        ),
    },
)
async def place_order(
    message: Message,
    command: CommandObject,
    actor: Actor,
    state: FSMContext,
    target: Target,
) -> None:
    """Ask for confirmation; every check (risk limits, filters, mainnet) runs before sending."""
    credentials, actions = target.deployment.credentials, target.deployment.actions
    parsed = _parse_order(command.args or "")
    if parsed is None:
        await message.answer(order_usage_text())
        return
    side, symbol, quantity, price, tif = parsed
    kind = "LIMIT" if price is not None else "MARKET"
    try:
        proposal = await actions.propose_place_order(
            actor, symbol, side, kind, quantity, price, tif
        )
        _client, own = await credentials.client_for(actor)
    except FrontendError as exc:
        await message.answer(target.headed(failed_text(exc.user_message)))
        return
    assert proposal.order is not None
    question = place_question(proposal.order, own, proposal.ttl_seconds)
    await _ask(message, target, question, proposal, state)


def get_router() -> Router:
    """This feature's handlers, for the one router list in `bot/dispatcher.py`."""
    return router

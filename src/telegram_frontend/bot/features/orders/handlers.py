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
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message
from dishka.integrations.aiogram import FromDishka

from telegram_frontend.bot.features.portfolio.texts import (
    account_label,
    order_line,
    orders_page_text,
)
from telegram_frontend.bot.middlewares import chat_action
from telegram_frontend.bot.ui.callbacks import (
    ORDERS_SCOPE,
    Confirm,
    Page,
    clamp_page,
    confirm_keyboard,
    keyboard,
    page_count,
    pager_row,
)
from telegram_frontend.bot.ui.command_catalog import CommandInfo
from telegram_frontend.bot.ui.pages import edit_screen
from telegram_frontend.clients.binance.models import Order
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.errors import ConfirmationExpired, FrontendError
from telegram_frontend.core.formatters import b, code, esc, money, paginate, qty
from telegram_frontend.core.i18n import _
from telegram_frontend.models import User
from telegram_frontend.services.account.actions import AccountActions, PanicReport
from telegram_frontend.services.account.credentials import CredentialsService
from telegram_frontend.services.account.orders import CancelResult, PlacedOrder
from telegram_frontend.services.account.portfolio import OrderWithFills, PortfolioService
from telegram_frontend.services.admin.system_config import ConfigService

router = Router(name="orders")
chat_action.install(router.message, router.callback_query)
PAGE_SIZE = 6
HISTORY_PER_SYMBOL = 10
ORDERS_VIEW = "orders"


class CancelOrder(CallbackData, prefix="aco"):
    symbol: str
    order_id: int


class CancelSymbol(CallbackData, prefix="acs"):
    symbol: str


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
    credentials: CredentialsService,
    config: ConfigService,
) -> tuple[str, list[list[InlineKeyboardButton]]]:
    account = await credentials.account_for(actor)
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
    rows: list[list[InlineKeyboardButton]] = []
    if actor.role.allows(Role.TRADER):
        for order in open_page:
            data = CancelOrder(symbol=order.symbol, order_id=order.order_id).pack()
            label = "✖ " + _("Cancel #{order_id}").format(order_id=order.order_id)
            rows.append([InlineKeyboardButton(text=label, callback_data=data)])
        counts: dict[str, int] = {}
        for order in open_orders:
            counts[order.symbol] = counts.get(order.symbol, 0) + 1
        for symbol, count in sorted(counts.items()):
            label = "✖ " + _("Cancel all {symbol} ({count})").format(symbol=symbol, count=count)
            rows.append(
                [InlineKeyboardButton(text=label, callback_data=CancelSymbol(symbol=symbol).pack())]
            )
    rows.append(pager_row(ORDERS_VIEW, page, page < pages - 1))
    return text, rows


@router.message(
    Command("orders"),
    flags={
        "role": Role.VIEWER,
        "chat_action": "typing",
        "command": CommandInfo("orders", "Open and recent orders; cancel them", order=22),
    },
)
async def orders(
    message: Message,
    actor: Actor,
    user: User,
    credentials: FromDishka[CredentialsService],
    config: FromDishka[ConfigService],
) -> None:
    try:
        text, rows = await _render(actor, user, 0, credentials, config)
    except FrontendError as exc:
        await message.answer(
            "⚠️ " + esc(_("Orders are not available: {reason}").format(reason=exc.user_message))
        )
        return
    await message.answer(text, reply_markup=keyboard(rows))


@router.callback_query(
    Page.filter(F.view == ORDERS_VIEW), flags={"role": Role.VIEWER, "chat_action": "typing"}
)
async def orders_page(
    query: CallbackQuery,
    callback_data: Page,
    actor: Actor,
    user: User,
    credentials: FromDishka[CredentialsService],
    config: FromDishka[ConfigService],
) -> None:
    """Prev/Next: the same message, edited to show another page."""
    text, rows = await _render(actor, user, callback_data.page, credentials, config)
    await edit_screen(query, paginate([text]), keyboard(rows))


async def _ask(query: CallbackQuery, question: str, token: str, ttl: float) -> None:
    if isinstance(query.message, Message):
        expiry = _("This confirmation expires in {seconds} s.").format(seconds=int(ttl))
        await query.message.answer(
            question + "\n" + esc(expiry), reply_markup=confirm_keyboard(ORDERS_SCOPE, token)
        )
    await query.answer()


@router.callback_query(CancelOrder.filter(), flags={"role": Role.TRADER})
async def ask_cancel_order(
    query: CallbackQuery,
    callback_data: CancelOrder,
    actor: Actor,
    actions: FromDishka[AccountActions],
) -> None:
    proposal = await actions.propose_cancel_order(
        actor, callback_data.symbol, callback_data.order_id
    )
    question = _("Cancel order {order} on {symbol}?").format(
        order=code(f"#{callback_data.order_id}"), symbol=b(callback_data.symbol)
    )
    await _ask(query, "❓ " + question, proposal.token, proposal.ttl_seconds)


@router.callback_query(CancelSymbol.filter(), flags={"role": Role.TRADER})
async def ask_cancel_symbol(
    query: CallbackQuery,
    callback_data: CancelSymbol,
    actor: Actor,
    actions: FromDishka[AccountActions],
) -> None:
    proposal = await actions.propose_cancel_all(actor, callback_data.symbol)
    question = _("Cancel every open order on {symbol}?").format(symbol=b(callback_data.symbol))
    await _ask(query, "❓ " + question, proposal.token, proposal.ttl_seconds)


def _outcome_text(result: object, user: User) -> str:
    if isinstance(result, CancelResult):
        if result.count == 0:
            return "ℹ️ " + esc(
                _("There was no open order on {symbol}.").format(symbol=result.symbol)
            )
        return "✅ " + esc(
            _("Cancelled {count} open order(s) on {symbol}.").format(
                count=result.count, symbol=result.symbol
            )
        )
    if isinstance(result, PlacedOrder):
        return (
            "✅ "
            + esc(_("Order placed:"))
            + " "
            + order_line(result.order, user.timezone)
            + "\n"
            + esc(
                _("Estimated value: {value} USDT").format(
                    value=money(result.estimated_notional_usdt)
                )
            )
        )
    if isinstance(result, Order):
        return "✅ " + esc(
            _("Order #{order_id} on {symbol} cancelled.").format(
                order_id=result.order_id, symbol=result.symbol
            )
        )
    assert not isinstance(result, PanicReport)
    return "✅"


@router.callback_query(
    Confirm.filter(F.scope == ORDERS_SCOPE), flags={"role": Role.TRADER, "chat_action": "typing"}
)
async def confirm_order_action(
    query: CallbackQuery,
    callback_data: Confirm,
    actor: Actor,
    user: User,
    actions: FromDishka[AccountActions],
) -> None:
    """Run the confirmed cancel/place once; a stale or replayed token does nothing."""
    message = query.message if isinstance(query.message, Message) else None
    if not callback_data.yes:
        await actions.abandon(actor, callback_data.token)
        if message is not None:
            await message.edit_text(esc(_("Nothing was done.")))
        await query.answer(_("Nothing was done."))
        return
    try:
        result = await actions.confirm(actor, callback_data.token)
    except ConfirmationExpired:
        if message is not None and message.reply_markup is not None:
            await message.edit_reply_markup(reply_markup=None)
        await query.answer(
            _("This confirmation expired. Please start the action again."), show_alert=True
        )
        return
    except FrontendError as exc:
        if message is not None:
            await message.edit_text("❌ " + esc(exc.user_message))
        await query.answer(_("It did not work."))
        return
    if message is not None:
        await message.edit_text(_outcome_text(result, user))
    await query.answer(_("Done."))


def _parse_order(args: str) -> tuple[str, str, Decimal, Decimal | None] | None:
    parts = args.split()
    if len(parts) not in (3, 4) or parts[0].lower() not in ("buy", "sell"):
        return None
    try:
        quantity = Decimal(parts[2].replace(",", "."))
        price = Decimal(parts[3].replace(",", ".")) if len(parts) == 4 else None
    except InvalidOperation:
        return None
    if not quantity.is_finite() or (price is not None and not price.is_finite()):
        return None
    return parts[0].upper(), parts[1].upper(), quantity, price


@router.message(
    Command("order"),
    flags={
        "role": Role.TRADER,
        "command": CommandInfo(
            "order", "Place a market or limit order", "buy|sell SYMBOL QTY [PRICE]", order=23
        ),
    },
)
async def place_order(
    message: Message,
    command: CommandObject,
    actor: Actor,
    credentials: FromDishka[CredentialsService],
    actions: FromDishka[AccountActions],
) -> None:
    """Ask for confirmation; every check (risk limits, filters, mainnet) runs before sending."""
    parsed = _parse_order(command.args or "")
    if parsed is None:
        await message.answer(
            esc(_("Usage: /order buy|sell SYMBOL QUANTITY [LIMIT PRICE]"))
            + "\n"
            + esc(_("Example: /order buy BTCUSDT 0.001 (market) or /order sell ETHUSDT 0.1 4000"))
        )
        return
    side, symbol, quantity, price = parsed
    kind = "LIMIT" if price is not None else "MARKET"
    proposal = await actions.propose_place_order(actor, symbol, side, kind, quantity, price)
    _client, own = await credentials.client_for(actor)
    at = _("at {price}").format(price=qty(price)) if price is not None else _("at the market price")
    question = _("Place {side} {kind} {quantity} {symbol} {at} on {account}?").format(
        side=b(side),
        kind=esc(kind),
        quantity=b(qty(quantity)),
        symbol=b(symbol),
        at=esc(at),
        account=esc(account_label(own)),
    )
    checks = _(
        "It is checked against the risk limits and Binance's filters before it is sent. "
        "This confirmation expires in {seconds} s."
    ).format(seconds=int(proposal.ttl_seconds))
    await message.answer(
        "❓ " + question + "\n" + esc(checks),
        reply_markup=confirm_keyboard(ORDERS_SCOPE, proposal.token),
    )


def get_router() -> Router:
    """This feature's handlers, for the one router list in `bot/dispatcher.py`."""
    return router

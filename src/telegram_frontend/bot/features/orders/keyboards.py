"""The buttons of /orders: cancel one order or a symbol's orders (traders only), and paging."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardMarkup

from telegram_frontend.bot.features.orders.callbacks import ORDERS_VIEW, CancelOrder, CancelSymbol
from telegram_frontend.bot.features.orders.texts import cancel_order_label, cancel_symbol_label
from telegram_frontend.bot.ui.callbacks import Page
from telegram_frontend.bot.ui.keyboards import Row, button, markup, prev_next_row
from telegram_frontend.clients.binance.models import Order


def orders_keyboard(
    open_page: Sequence[Order],
    open_orders: Sequence[Order],
    can_cancel: bool,
    page: int,
    pages: int,
    dep: str = "",
) -> InlineKeyboardMarkup | None:
    """Cancel buttons for the orders shown and per symbol (when allowed), then Prev/Next."""

    def page_data(number: int) -> str:
        return Page(view=ORDERS_VIEW, page=number, dep=dep).pack()

    rows: list[Row] = []
    if can_cancel:
        for order in open_page:
            try:
                data = CancelOrder(symbol=order.symbol, order_id=order.order_id, dep=dep).pack()
            except ValueError:  # over 64 bytes (a long deployment name): cancel it by symbol
                continue
            rows.append([button(cancel_order_label(order), data)])
        counts: dict[str, int] = {}
        for order in open_orders:
            counts[order.symbol] = counts.get(order.symbol, 0) + 1
        for symbol, count in sorted(counts.items()):
            data = CancelSymbol(symbol=symbol, dep=dep).pack()
            rows.append([button(cancel_symbol_label(symbol, count), data)])
    rows.append(prev_next_row(page, page < pages - 1, page_data))
    return markup(rows)

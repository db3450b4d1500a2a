"""Callback data of /orders: cancel one order, or every open order on a symbol.

The list's pages and the confirmations use the shared `Page` and `Confirm` (`bot/ui/callbacks`).
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

ORDERS_VIEW = "orders"  # the `Page.view` of the orders list


class CancelOrder(CallbackData, prefix="aco"):
    symbol: str
    order_id: int
    dep: str = ""


class CancelSymbol(CallbackData, prefix="acs"):
    symbol: str
    dep: str = ""

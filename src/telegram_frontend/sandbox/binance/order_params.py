"""Reading a new order and a history query the way Binance does, with its codes and texts.

Which parameters an order type needs or refuses (-1102, -1106), the quantity/quoteOrderQty
choice of MARKET orders, the response type defaults (FULL for MARKET and LIMIT, ACK otherwise),
and the parameter combinations myTrades accepts (-1128) and the 24-hour window (-1127).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from telegram_frontend.sandbox.binance.exchange import FakeExchange
from telegram_frontend.sandbox.binance.market import ORDER_TYPES, BinanceApiError, missing
from telegram_frontend.sandbox.binance.orders import HistoryQuery, OrderRequest
from telegram_frontend.sandbox.binance.requests import choice_param, decimal_param, int_param

CLIENT_ID_RE = re.compile(r"^[a-zA-Z0-9-_]{1,36}$")
RESP_TYPES = ("ACK", "RESULT", "FULL")
DAY_MS = 86_400_000
_UNSUPPORTED = ("stopPrice", "trailingDelta", "icebergQty")
_TRADE_COMBINATIONS = {
    frozenset(),
    frozenset({"orderId"}),
    frozenset({"fromId"}),
    frozenset({"startTime"}),
    frozenset({"endTime"}),
    frozenset({"startTime", "endTime"}),
    frozenset({"orderId", "fromId"}),
}


def not_required(name: str) -> BinanceApiError:
    return BinanceApiError(-1106, f"Parameter '{name}' sent when not required.")


def read_new_order(exchange: FakeExchange, params: Mapping[str, str]) -> tuple[OrderRequest, str]:
    """The order and its response type, or the error Binance gives for these parameters."""
    sym = exchange.symbol(params.get("symbol"))
    side = choice_param(params, "side", ("BUY", "SELL"), -1117, "Invalid side.")
    kind = choice_param(params, "type", ORDER_TYPES, -1116, "Invalid orderType.")
    for name in _UNSUPPORTED:
        if params.get(name):
            raise not_required(name)
    qty = decimal_param(params, "quantity")
    quote_qty = decimal_param(params, "quoteOrderQty")
    price = decimal_param(params, "price", required=kind != "MARKET")
    tif = params.get("timeInForce")
    if kind == "MARKET":
        if price is not None:
            raise not_required("price")
        if qty is None and quote_qty is None:
            raise BinanceApiError(
                -1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!"
            )
        if qty is not None and quote_qty is not None:
            raise BinanceApiError(-1128, "Combination of optional parameters invalid.")
    else:
        if quote_qty is not None:
            raise not_required("quoteOrderQty")
        if qty is None:
            raise missing("quantity")
    if kind == "LIMIT" and not tif:
        raise missing("timeInForce")
    if kind != "LIMIT" and tif:
        raise not_required("timeInForce")
    if tif and tif not in ("GTC", "IOC", "FOK"):
        raise BinanceApiError(-1115, "Invalid timeInForce.")
    client_id = params.get("newClientOrderId") or None
    if client_id is not None and not CLIENT_ID_RE.match(client_id):
        raise BinanceApiError(
            -1100,
            "Illegal characters found in parameter 'newClientOrderId'; "
            f"legal range is '{CLIENT_ID_RE.pattern}'.",
        )
    default_resp = "FULL" if kind in ("MARKET", "LIMIT") else "ACK"
    resp_type = params.get("newOrderRespType") or default_resp
    if resp_type not in RESP_TYPES:
        raise BinanceApiError(
            -1100,
            "Illegal characters found in parameter 'newOrderRespType'; "
            f"legal range is '{', '.join(RESP_TYPES)}'.",
        )
    request = OrderRequest(
        symbol=sym,
        side=side,
        type=kind,
        quantity=qty,
        quote_qty=quote_qty,
        price=price,
        time_in_force=tif or "GTC",
        client_id=client_id,
    )
    return request, resp_type


def history_query(params: Mapping[str, str], *, with_from_id: bool) -> HistoryQuery:
    """allOrders (`with_from_id=False`) and myTrades filters, checked as Binance checks them."""
    limit = min(int_param(params, "limit") or 500, 1000)
    order_id = int_param(params, "orderId")
    from_id = int_param(params, "fromId") if with_from_id else None
    start, end = int_param(params, "startTime"), int_param(params, "endTime")
    if with_from_id:
        given = {
            name
            for name, value in (
                ("orderId", order_id),
                ("fromId", from_id),
                ("startTime", start),
                ("endTime", end),
            )
            if value is not None
        }
        if frozenset(given) not in _TRADE_COMBINATIONS:
            raise BinanceApiError(-1128, "Combination of optional parameters invalid.")
    if start is not None and end is not None:
        if end < start:
            raise BinanceApiError(-1128, "Combination of optional parameters invalid.")
        if end - start > DAY_MS:
            raise BinanceApiError(-1127, "More than 24 hours between startTime and endTime.")
    return HistoryQuery(limit=limit, order_id=order_id, from_id=from_id, start=start, end=end)

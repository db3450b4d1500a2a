"""What the fake Binance stores about orders: a new order as sent, a history query, an order.

Their JSON shapes (the order as queried, the ACK/RESULT/FULL new-order answers) live here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from telegram_frontend.sandbox.binance.market import ZERO, f8

T = TypeVar("T")


@dataclass(frozen=True)
class OrderRequest:
    """A new order as sent, after the parameter checks."""

    symbol: str
    side: str
    type: str
    quantity: Decimal | None
    quote_qty: Decimal | None
    price: Decimal | None
    time_in_force: str
    client_id: str | None


@dataclass(frozen=True)
class HistoryQuery:
    """The optional filters of allOrders and myTrades."""

    limit: int = 500
    order_id: int | None = None
    from_id: int | None = None
    start: int | None = None
    end: int | None = None

    def in_window(self, at_ms: int) -> bool:
        return (self.start is None or at_ms >= self.start) and (
            self.end is None or at_ms <= self.end
        )

    def page(self, rows: list[T]) -> list[T]:
        """From a lower bound, the first `limit`; otherwise the most recent `limit`."""
        if (
            self.start is not None
            or self.from_id is not None
            or (self.order_id is not None and self.end is None)
        ):
            return rows[: self.limit]
        return rows[-self.limit :]


@dataclass
class FakeOrder:
    symbol: str
    order_id: int
    client_order_id: str
    side: str
    type: str
    price: Decimal
    orig_qty: Decimal
    time_in_force: str
    time: int
    status: str = "NEW"
    executed_qty: Decimal = ZERO
    quote_qty: Decimal = ZERO
    update_time: int = 0
    orig_quote_qty: Decimal = ZERO
    fills: list[dict[str, Any]] = field(default_factory=list)

    def answer(self, resp_type: str) -> dict[str, Any]:
        """The new-order answer in Binance's ACK, RESULT or FULL shape."""
        ack = {
            "symbol": self.symbol,
            "orderId": self.order_id,
            "orderListId": -1,
            "clientOrderId": self.client_order_id,
            "transactTime": self.time,
        }
        if resp_type == "ACK":
            return ack
        full = self.to_json()
        result = ack | {
            key: full[key]
            for key in (
                "price",
                "origQty",
                "executedQty",
                "origQuoteOrderQty",
                "cummulativeQuoteQty",
                "status",
                "timeInForce",
                "type",
                "side",
                "workingTime",
                "selfTradePreventionMode",
            )
        }
        return result if resp_type == "RESULT" else result | {"fills": list(self.fills)}

    def to_json(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "orderId": self.order_id,
            "orderListId": -1,
            "clientOrderId": self.client_order_id,
            "price": f8(self.price),
            "origQty": f8(self.orig_qty),
            "executedQty": f8(self.executed_qty),
            "cummulativeQuoteQty": f8(self.quote_qty),
            "status": self.status,
            "timeInForce": self.time_in_force,
            "type": self.type,
            "side": self.side,
            "stopPrice": f8(ZERO),
            "icebergQty": f8(ZERO),
            "time": self.time,
            "updateTime": self.update_time or self.time,
            "isWorking": True,
            "workingTime": self.time,
            "origQuoteOrderQty": f8(self.orig_quote_qty),
            "selfTradePreventionMode": "EXPIRE_MAKER",
        }

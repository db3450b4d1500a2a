"""`/api/v1`: the Binance account: portfolio, open orders, order history, cancelling orders.

The account is the one `CredentialsService` picks for the actor (an API key has no keys of its
own: the system account). Cancels go through `AccountActions`, the same core the bot confirms
into (role and mainnet checks, then the audit trail); an API call needs no confirmation token,
since a trader key is already deliberate, and the audit row names the key.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Path, Query

from telegram_frontend.api.deps import TraderActor, ViewerActor
from telegram_frontend.api.v1.common import ApiModel, Money, v1_router
from telegram_frontend.api.v1.scoped import Actions, Credentials
from telegram_frontend.clients.binance.models import Order

router = v1_router("account")

SYMBOL_PATTERN = r"^[A-Za-z0-9]{2,20}$"
Symbol = Annotated[
    str, Path(pattern=SYMBOL_PATTERN, description="A trading pair", examples=["BTCUSDT"])
]
SymbolQuery = Annotated[
    str, Query(pattern=SYMBOL_PATTERN, description="A trading pair", examples=["BTCUSDT"])
]
OrderId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Binance's order id")]


class HoldingOut(ApiModel):
    asset: str
    free: Money
    locked: Money
    total: Money
    price_usdt: Money | None = None
    value_usdt: Money | None = None
    value_btc: Money | None = None
    allocation_pct: Money | None = None
    change_24h_pct: Money | None = None


class DustOut(ApiModel):
    """Every holding worth less than the dust threshold, as one line."""

    assets: list[str]
    value_usdt: Money
    value_btc: Money | None = None
    allocation_pct: Money


class PortfolioOut(ApiModel):
    """The account valued now; `unpriced` holdings are not in the totals."""

    holdings: list[HoldingOut]
    dust: DustOut | None = None
    unpriced: list[HoldingOut]
    total_usdt: Money
    total_btc: Money | None = None
    change_24h_pct: Money | None = None
    dust_threshold_usdt: Money
    as_of: datetime


class OrderOut(ApiModel):
    """A Binance order."""

    symbol: str
    order_id: int
    client_order_id: str
    side: str
    type: str
    status: str
    price: Money
    orig_qty: Money
    executed_qty: Money
    cummulative_quote_qty: Money
    avg_price: Money | None = None
    time_in_force: str
    time: datetime | None = None
    is_open: bool

    @classmethod
    def of(cls, order: Order) -> OrderOut:
        millis = order.timestamp_ms
        return cls(
            symbol=order.symbol,
            order_id=order.order_id,
            client_order_id=order.client_order_id,
            side=order.side,
            type=order.order_type,
            status=order.status,
            price=order.price,
            orig_qty=order.orig_qty,
            executed_qty=order.executed_qty,
            cummulative_quote_qty=order.cummulative_quote_qty,
            avg_price=order.avg_price,
            time_in_force=order.time_in_force,
            time=datetime.fromtimestamp(millis / 1000, UTC) if millis else None,
            is_open=order.is_open,
        )


class HistoricOrderOut(ApiModel):
    order: OrderOut
    fees: dict[str, Money]


class CancelAllOut(ApiModel):
    symbol: str
    count: int
    cancelled: list[OrderOut]


@router.get("/portfolio", summary="Balances valued in USDT and BTC", response_model=PortfolioOut)
async def portfolio(actor: ViewerActor, accounts: Credentials) -> PortfolioOut:
    service = await accounts.portfolio_for(actor)
    return PortfolioOut.view(await service.portfolio(actor))


@router.get("/orders", summary="Open orders on Binance", response_model=list[OrderOut])
async def open_orders(
    actor: ViewerActor,
    accounts: Credentials,
    symbol: Annotated[
        str | None, Query(pattern=SYMBOL_PATTERN, description="Only this trading pair")
    ] = None,
) -> list[OrderOut]:
    service = await accounts.portfolio_for(actor)
    return [OrderOut.of(o) for o in await service.open_orders(actor, symbol)]


@router.get(
    "/orders/history",
    summary="Latest orders of one pair with their fees",
    response_model=list[HistoricOrderOut],
)
async def order_history(
    actor: ViewerActor,
    accounts: Credentials,
    symbol: SymbolQuery,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[HistoricOrderOut]:
    service = await accounts.portfolio_for(actor)
    history = await service.order_history(actor, symbol, limit)
    return [HistoricOrderOut(order=OrderOut.of(h.order), fees=dict(h.fees)) for h in history]


@router.delete(
    "/orders/{symbol}/{order_id}",
    summary="Cancel one order (audited)",
    response_model=OrderOut,
)
async def cancel_order(
    symbol: Symbol, order_id: OrderId, actor: TraderActor, actions: Actions
) -> OrderOut:
    return OrderOut.of(await actions.cancel_order(actor, symbol, order_id))


@router.delete(
    "/orders/{symbol}",
    summary="Cancel every open order of one pair (audited)",
    response_model=CancelAllOut,
)
async def cancel_all(symbol: Symbol, actor: TraderActor, actions: Actions) -> CancelAllOut:
    result = await actions.cancel_all(actor, symbol)
    return CancelAllOut(
        symbol=result.symbol,
        count=result.count,
        cancelled=[OrderOut.of(o) for o in result.cancelled],
    )

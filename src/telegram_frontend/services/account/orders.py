"""Placing and cancelling Binance orders: the trader role, the mainnet guard, our risk limits.

Every mutating method takes the `Actor` and checks the role itself, so a door that forgets the
check still cannot trade. Checks run in this order, all before anything is sent: role, mainnet
switch, our own risk limits, then the exchange filters (lot size, tick, notional). Confirmation
tokens and the audit trail belong to the caller (the core), not here.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from telegram_frontend.clients.binance.client import BinanceClient
from telegram_frontend.clients.binance.models import (
    Order,
    OrderSide,
    OrderType,
    SymbolFilters,
    TimeInForce,
)
from telegram_frontend.core.access import Actor, Role, require
from telegram_frontend.core.errors import ExchangeError, ValidationFailed
from telegram_frontend.core.formatters import exact, money
from telegram_frontend.services.account.order_input import TIME_IN_FORCE, parse_choice, parse_order
from telegram_frontend.services.account.portfolio import STABLECOINS, cents

UNKNOWN_ORDER = -2011


@dataclass(frozen=True)
class RiskLimits:
    """Our own limits on top of Binance's: None means no limit of that kind."""

    max_order_notional_usdt: Decimal | None = None
    allowed_symbols: frozenset[str] | None = None

    def check(self, symbol: str, notional_usdt: Decimal) -> None:
        if self.allowed_symbols is not None and symbol not in self.allowed_symbols:
            allowed = ", ".join(sorted(self.allowed_symbols)) or "none"
            raise ValidationFailed(
                f"Trading {symbol} is not allowed by the risk limits (allowed: {allowed})."
            )
        limit = self.max_order_notional_usdt
        if limit is not None and notional_usdt > limit:
            raise ValidationFailed(
                f"The order is worth about {money(notional_usdt)} USDT, above the risk limit "
                f"of {exact(limit)} USDT per order."
            )


RiskLimitsProvider = Callable[[], RiskLimits | Awaitable[RiskLimits]]


@dataclass(frozen=True)
class OrderPreview:
    """An order that passed every check, exactly as it would be sent, with its estimated cost."""

    symbol: str
    side: OrderSide
    order_type: OrderType
    time_in_force: TimeInForce
    quantity: Decimal
    price: Decimal | None
    estimated_cost_usdt: Decimal
    risk_limit_usdt: Decimal | None
    tick_size: Decimal | None = None  # the symbol's price step, to show the price to it


@dataclass(frozen=True)
class PlacedOrder:
    """The order as Binance accepted it, and what we estimated it was worth before sending."""

    order: Order
    estimated_notional_usdt: Decimal

    @property
    def fees(self) -> dict[str, Decimal]:
        return self.order.fees()


@dataclass(frozen=True)
class CancelResult:
    """The orders cancelled (none when nothing was open)."""

    symbol: str
    cancelled: tuple[Order, ...]

    @property
    def count(self) -> int:
        return len(self.cancelled)


class OrderService:
    """Mutations on one Binance account; `risk_limits` is a value or a (possibly async) provider."""

    def __init__(
        self,
        client: BinanceClient,
        risk_limits: RiskLimits | RiskLimitsProvider | None = None,
    ) -> None:
        self._client = client
        self._risk_limits = risk_limits or RiskLimits()

    async def place_order(
        self,
        actor: Actor,
        symbol: str,
        side: str,
        order_type: str,
        quantity: Decimal | str,
        price: Decimal | str | None = None,
        time_in_force: str = "GTC",
    ) -> PlacedOrder:
        """Check everything we can, then send a MARKET or LIMIT order."""
        p = await self.preview_order(
            actor, symbol, side, order_type, quantity, price, time_in_force
        )
        # The client checks the exchange filters again right before sending.
        order = await self._client.place_order(
            p.symbol, p.side, p.order_type, p.quantity, p.price, p.time_in_force
        )
        return PlacedOrder(order=order, estimated_notional_usdt=p.estimated_cost_usdt)

    async def preview_order(
        self,
        actor: Actor,
        symbol: str,
        side: str,
        order_type: str,
        quantity: Decimal | str,
        price: Decimal | str | None = None,
        time_in_force: str = "GTC",
    ) -> OrderPreview:
        """Every check short of sending (role, mainnet, symbol, filters, risk limits), so a
        confirmation is only ever offered for an order Binance and our limits would accept."""
        require(actor, Role.TRADER)
        self._client.ensure_orders_allowed()
        wanted = parse_order(symbol, side, order_type, quantity, price)
        side_ = cast(OrderSide, wanted.side)
        type_ = cast(OrderType, wanted.order_type)
        tif = cast(TimeInForce, parse_choice(time_in_force, TIME_IN_FORCE, "time in force"))
        sym, qty, limit_price = wanted.symbol, wanted.quantity, wanted.price
        try:
            filters = await self._client.validate_order(sym, type_, qty, limit_price)
            notional = await self._notional_usdt(filters, qty, limit_price)
        except ArithmeticError:
            raise ValidationFailed("The quantity or price is out of any sensible range.") from None
        limits = await self._limits()
        limits.check(filters.symbol, notional)
        return OrderPreview(
            symbol=filters.symbol,
            side=side_,
            order_type=type_,
            time_in_force=tif,
            quantity=qty,
            price=limit_price,
            estimated_cost_usdt=cents(notional),
            risk_limit_usdt=limits.max_order_notional_usdt,
            tick_size=filters.tick_size or None,
        )

    async def cancel_order(self, actor: Actor, symbol: str, order_id: int) -> Order:
        require(actor, Role.TRADER)
        self._client.ensure_orders_allowed()
        return await self._client.cancel_order(symbol.strip().upper(), order_id)

    async def cancel_all(self, actor: Actor, symbol: str) -> CancelResult:
        """Cancel every open order of one symbol; nothing open is a result, not an error."""
        require(actor, Role.TRADER)
        self._client.ensure_orders_allowed()
        sym = symbol.strip().upper()
        try:
            cancelled = await self._client.cancel_open_orders(sym)
        except ExchangeError as exc:
            if exc.code == UNKNOWN_ORDER:
                return CancelResult(symbol=sym, cancelled=())
            raise
        return CancelResult(symbol=sym, cancelled=tuple(cancelled))

    async def _limits(self) -> RiskLimits:
        if isinstance(self._risk_limits, RiskLimits):
            return self._risk_limits
        limits = self._risk_limits()
        return await limits if inspect.isawaitable(limits) else limits

    async def _notional_usdt(
        self, filters: SymbolFilters, qty: Decimal, limit_price: Decimal | None
    ) -> Decimal:
        """What the order is worth in USDT: at its limit price, else at the last price."""
        wanted = [filters.symbol]
        if filters.quote_asset not in STABLECOINS:
            wanted.append(filters.quote_asset + "USDT")
        prices = await self._client.ticker_prices(wanted)
        notional = qty * (limit_price if limit_price is not None else prices[filters.symbol])
        if filters.quote_asset in STABLECOINS:
            return notional
        return notional * prices[filters.quote_asset + "USDT"]

"""The matching engine and accounts behind the fake Binance: orders, fills, fees and balances.

Kept apart from the HTTP layer (`server.py`) so the rules of the exchange (balance locking,
fills at the simulated market price, fees taken from the asset received) read in one place.
Errors are Binance's own codes and texts, raised as `BinanceApiError`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from telegram_frontend.sandbox.backends.market import SimulatedMarket
from telegram_frontend.sandbox.binance.market import (
    EIGHT,
    ZERO,
    BinanceApiError,
    FakeFilters,
    f8,
    split_symbol,
    symbol_info,
    symbol_param,
)
from telegram_frontend.sandbox.binance.orders import FakeOrder, HistoryQuery, OrderRequest


@dataclass
class FakeAccount:
    """One API key's account: balances split into free and locked, its orders and trades."""

    api_key: str
    secret: str
    free: dict[str, Decimal] = field(default_factory=dict)
    locked: dict[str, Decimal] = field(default_factory=dict)
    can_trade: bool = True
    orders: dict[int, FakeOrder] = field(default_factory=dict)
    trades: list[dict[str, Any]] = field(default_factory=list)

    def move(self, asset: str, free: Decimal = ZERO, locked: Decimal = ZERO) -> None:
        self.free[asset] = self.free.get(asset, ZERO) + free
        self.locked[asset] = self.locked.get(asset, ZERO) + locked

    def balance(self, asset: str) -> tuple[Decimal, Decimal]:
        return self.free.get(asset, ZERO), self.locked.get(asset, ZERO)


class FakeExchange:
    """Accounts and a price-taking matching engine over a `SimulatedMarket`."""

    def __init__(self, market: SimulatedMarket, fee_rate: Decimal = Decimal("0.001")) -> None:
        self.market = market
        self.fee_rate = fee_rate
        self.accounts: dict[str, FakeAccount] = {}
        self.filters: dict[str, FakeFilters] = {
            sym: FakeFilters.for_price(price) for sym, price in market.symbols.items()
        }
        self._next_order_id = 1000
        self._next_trade_id = 500

    # -- market data -------------------------------------------------------------------------

    def symbol(self, raw: str | None) -> str:
        sym = symbol_param(raw)
        if sym not in self.filters or not self.market.has(sym):
            raise BinanceApiError(-1121, "Invalid symbol.")
        return sym

    def symbol_info(self, sym: str) -> dict[str, Any]:
        return symbol_info(sym, self.filters[sym])

    # -- account -----------------------------------------------------------------------------

    def add_account(
        self, api_key: str, secret: str, balances: dict[str, Decimal] | None = None
    ) -> FakeAccount:
        account = FakeAccount(api_key=api_key, secret=secret)
        for asset, amount in (balances or {}).items():
            account.move(asset.upper(), free=Decimal(amount))
        self.accounts[api_key] = account
        return account

    def account_json(self, account: FakeAccount, now_ms: int) -> dict[str, Any]:
        assets = sorted(set(account.free) | set(account.locked))
        return {
            "makerCommission": 10,
            "takerCommission": 10,
            "buyerCommission": 0,
            "sellerCommission": 0,
            "commissionRates": {
                "maker": f8(self.fee_rate),
                "taker": f8(self.fee_rate),
                "buyer": f8(ZERO),
                "seller": f8(ZERO),
            },
            "canTrade": account.can_trade,
            "canWithdraw": True,
            "canDeposit": True,
            "brokered": False,
            "requireSelfTradePrevention": False,
            "preventSor": False,
            "updateTime": now_ms,
            "accountType": "SPOT",
            "balances": [
                {
                    "asset": a,
                    "free": f8(account.free.get(a, ZERO)),
                    "locked": f8(account.locked.get(a, ZERO)),
                }
                for a in assets
            ],
            "permissions": ["SPOT"],
            "uid": abs(hash(account.api_key)) % 10**9,
        }

    # -- orders ------------------------------------------------------------------------------

    def place(self, account: FakeAccount, request: OrderRequest, now_ms: int) -> FakeOrder:
        """Check filters and balance like Binance, then fill, rest or expire the order.

        A crossing order fills whole at the market price (the fake's book is deep enough); a
        LIMIT IOC/FOK one that does not cross expires at once, a LIMIT_MAKER one that would
        cross is refused.
        """
        if not account.can_trade:
            raise BinanceApiError(-2010, "This action is disabled on this account.")
        sym, side, price = request.symbol, request.side, request.price
        market_price = self.market.price(sym)
        qty = request.quantity
        if qty is None:
            qty = self._quantity_for_quote(sym, request.quote_qty or ZERO, market_price)
        self.filters[sym].check(qty, price, price if price is not None else market_price)
        if request.client_id and any(
            o.client_order_id == request.client_id for o in self.open_orders(account, None)
        ):
            raise BinanceApiError(-2010, "Duplicate order sent.")
        base, quote = split_symbol(sym)
        order = FakeOrder(
            symbol=sym,
            order_id=self._order_id(),
            client_order_id=request.client_id or secrets.token_hex(11),
            side=side,
            type=request.type,
            price=price if price is not None else ZERO,
            orig_qty=qty,
            time_in_force=request.time_in_force,
            time=now_ms,
            orig_quote_qty=request.quote_qty or ZERO,
        )
        cost_price = price if price is not None else market_price
        if side == "BUY" and account.balance(quote)[0] < qty * cost_price:
            raise BinanceApiError(-2010, "Account has insufficient balance for requested action.")
        if side == "SELL" and account.balance(base)[0] < qty:
            raise BinanceApiError(-2010, "Account has insufficient balance for requested action.")
        crosses = price is None or (
            market_price <= price if side == "BUY" else market_price >= price
        )
        if crosses and request.type == "LIMIT_MAKER":
            raise BinanceApiError(-2010, "Order would immediately match and take.")
        if crosses:
            self._fill(account, order, market_price, maker=False, now_ms=now_ms, from_locked=False)
        elif request.time_in_force in ("IOC", "FOK"):
            order.status, order.update_time = "EXPIRED", now_ms
        else:
            self._lock(account, order)
        account.orders[order.order_id] = order
        return order

    def _quantity_for_quote(self, sym: str, quote_qty: Decimal, price: Decimal) -> Decimal:
        """A quoteOrderQty MARKET order: the most base the quote amount buys, in LOT_SIZE steps."""
        rules = self.filters[sym]
        steps = ((quote_qty / price - rules.lot_min) // rules.step_size) if price else ZERO
        if steps < 0:
            raise BinanceApiError(-1013, "Filter failure: LOT_SIZE")
        return rules.lot_min + steps * rules.step_size

    def orders_page(
        self, account: FakeAccount, sym: str, query: HistoryQuery
    ) -> list[dict[str, Any]]:
        """allOrders: from `orderId` up, or within the time window, else the most recent."""
        orders = sorted(
            (o for o in account.orders.values() if o.symbol == sym), key=lambda o: o.order_id
        )
        if query.start is not None or query.end is not None:
            orders = [o for o in orders if query.in_window(o.time)]
        elif query.order_id is not None:
            orders = [o for o in orders if o.order_id >= query.order_id]
        return [o.to_json() for o in query.page(orders)]

    def trades_page(
        self, account: FakeAccount, sym: str, query: HistoryQuery
    ) -> list[dict[str, Any]]:
        """myTrades: of one order, from a trade id, or within the time window."""
        trades = [t for t in account.trades if t["symbol"] == sym]
        if query.order_id is not None:
            trades = [t for t in trades if t["orderId"] == query.order_id]
        if query.from_id is not None:
            trades = [t for t in trades if t["id"] >= query.from_id]
        trades = [t for t in trades if query.in_window(t["time"])]
        return query.page(trades)

    def find(
        self, account: FakeAccount, sym: str, order_id: int | None, client_id: str | None
    ) -> FakeOrder | None:
        for order in account.orders.values():
            if order.symbol != sym:
                continue
            if (order_id is not None and order.order_id == order_id) or (
                order_id is None and client_id is not None and order.client_order_id == client_id
            ):
                return order
        return None

    def cancel(self, account: FakeAccount, order: FakeOrder, now_ms: int) -> dict[str, Any]:
        if order.status != "NEW":
            raise BinanceApiError(-2011, "Unknown order sent.")
        base, quote = split_symbol(order.symbol)
        if order.side == "BUY":
            amount = order.orig_qty * order.price
            account.move(quote, free=amount, locked=-amount)
        else:
            account.move(base, free=order.orig_qty, locked=-order.orig_qty)
        order.status, order.update_time = "CANCELED", now_ms
        answer = order.to_json()
        answer["origClientOrderId"] = order.client_order_id
        answer["clientOrderId"] = secrets.token_hex(11)
        answer["transactTime"] = now_ms
        return answer

    def open_orders(self, account: FakeAccount, sym: str | None) -> list[FakeOrder]:
        return [
            o
            for o in account.orders.values()
            if o.status == "NEW" and (sym is None or o.symbol == sym)
        ]

    def match_resting(self, now_ms: int) -> None:
        """Fill every resting limit order the market price has crossed since the last request."""
        for account in self.accounts.values():
            for order in self.open_orders(account, None):
                price = self.market.price(order.symbol)
                hit = price <= order.price if order.side == "BUY" else price >= order.price
                if hit:
                    self._fill(
                        account, order, order.price, maker=True, now_ms=now_ms, from_locked=True
                    )

    # -- internals ---------------------------------------------------------------------------

    def _lock(self, account: FakeAccount, order: FakeOrder) -> None:
        base, quote = split_symbol(order.symbol)
        if order.side == "BUY":
            amount = order.orig_qty * order.price
            account.move(quote, free=-amount, locked=amount)
        else:
            account.move(base, free=-order.orig_qty, locked=order.orig_qty)

    def _fill(
        self,
        account: FakeAccount,
        order: FakeOrder,
        price: Decimal,
        *,
        maker: bool,
        now_ms: int,
        from_locked: bool,
    ) -> None:
        """Fill the whole order at `price`; the fee is taken from the asset received."""
        base, quote = split_symbol(order.symbol)
        qty, quote_qty = order.orig_qty, order.orig_qty * price
        if order.side == "BUY":
            fee, fee_asset = (qty * self.fee_rate).quantize(EIGHT, ROUND_HALF_UP), base
            paid = order.orig_qty * order.price if from_locked else quote_qty
            account.move(
                quote,
                free=paid - quote_qty if from_locked else -quote_qty,
                locked=-paid if from_locked else ZERO,
            )
            account.move(base, free=qty - fee)
        else:
            fee, fee_asset = (quote_qty * self.fee_rate).quantize(EIGHT, ROUND_HALF_UP), quote
            account.move(
                base, free=ZERO if from_locked else -qty, locked=-qty if from_locked else ZERO
            )
            account.move(quote, free=quote_qty - fee)
        trade_id = self._trade_id()
        order.status, order.executed_qty, order.quote_qty = "FILLED", qty, quote_qty
        order.update_time = now_ms
        order.fills.append(
            {
                "price": f8(price),
                "qty": f8(qty),
                "commission": f8(fee),
                "commissionAsset": fee_asset,
                "tradeId": trade_id,
            }
        )
        account.trades.append(
            {
                "symbol": order.symbol,
                "id": trade_id,
                "orderId": order.order_id,
                "orderListId": -1,
                "price": f8(price),
                "qty": f8(qty),
                "quoteQty": f8(quote_qty),
                "commission": f8(fee),
                "commissionAsset": fee_asset,
                "time": now_ms,
                "isBuyer": order.side == "BUY",
                "isMaker": maker,
                "isBestMatch": True,
            }
        )

    def _order_id(self) -> int:
        self._next_order_id += 1
        return self._next_order_id

    def _trade_id(self) -> int:
        self._next_trade_id += 1
        return self._next_trade_id

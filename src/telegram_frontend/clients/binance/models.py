"""Typed views of Binance Spot REST answers, and the order filter checks made before sending.

Binance sends numbers as strings ("0.00100000"): every model reads them as `Decimal` (or int) so
money is never a float, and ignores fields we do not use so a new Binance field breaks nothing.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from telegram_frontend.core.errors import ValidationFailed
from telegram_frontend.core.formatters import exact, money

OrderSide = Literal["BUY", "SELL"]
OrderType = Literal["MARKET", "LIMIT"]
TimeInForce = Literal["GTC", "IOC", "FOK"]
OPEN_STATUSES = frozenset({"NEW", "PARTIALLY_FILLED", "PENDING_NEW"})
ZERO = Decimal(0)


def plain(value: Decimal) -> str:
    """A Decimal as Binance wants it in a parameter: no exponent, no trailing zeros."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def tidy(value: Decimal) -> Decimal:
    """The same number without trailing zeros, and never in exponent form."""
    if value.is_zero():
        return ZERO
    value = value.normalize()
    exponent = value.as_tuple().exponent
    return value.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else value


class BinanceModel(BaseModel):
    """Base of the answer models: camelCase aliases, unknown fields ignored, immutable."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True
    )

    @field_validator("*", mode="after")
    @classmethod
    def _tidy_decimal(cls, value: Any) -> Any:
        """Read "0.00100000" as 0.001 and "0E-8" as 0, so text built from models stays clean."""
        return tidy(value) if isinstance(value, Decimal) else value


class Balance(BinanceModel):
    asset: str
    free: Decimal
    locked: Decimal

    @property
    def total(self) -> Decimal:
        return self.free + self.locked


class AccountInfo(BinanceModel):
    can_trade: bool = True
    account_type: str = "SPOT"
    update_time: int = 0
    permissions: list[str] = Field(default_factory=list)
    balances: list[Balance] = Field(default_factory=list)

    def balance(self, asset: str) -> Balance:
        """The balance of `asset`, zero when the account has none."""
        for bal in self.balances:
            if bal.asset == asset.upper():
                return bal
        return Balance(asset=asset.upper(), free=ZERO, locked=ZERO)

    def non_zero(self) -> list[Balance]:
        return [b for b in self.balances if b.total > 0]


class Fill(BinanceModel):
    price: Decimal
    qty: Decimal
    commission: Decimal = ZERO
    commission_asset: str = ""
    trade_id: int | None = None


class Order(BinanceModel):
    """An order as Binance reports it after placing, querying or cancelling it."""

    symbol: str
    order_id: int
    client_order_id: str = ""
    price: Decimal = ZERO
    orig_qty: Decimal = ZERO
    executed_qty: Decimal = ZERO
    cummulative_quote_qty: Decimal = ZERO
    status: str
    time_in_force: str = "GTC"
    order_type: str = Field(alias="type")
    side: str
    time: int | None = None
    update_time: int | None = None
    transact_time: int | None = None
    fills: list[Fill] = Field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def avg_price(self) -> Decimal | None:
        """The average fill price, None while nothing is filled."""
        if self.executed_qty <= 0:
            return None
        return self.cummulative_quote_qty / self.executed_qty

    @property
    def timestamp_ms(self) -> int | None:
        return self.time or self.transact_time or self.update_time

    def fees(self) -> dict[str, Decimal]:
        """Commission paid per asset, summed over the fills in this answer."""
        totals: dict[str, Decimal] = {}
        for fill in self.fills:
            totals[fill.commission_asset] = (
                totals.get(fill.commission_asset, ZERO) + fill.commission
            )
        return totals


class Trade(BinanceModel):
    """One fill of one of our orders (`/api/v3/myTrades`)."""

    symbol: str
    id: int
    order_id: int
    price: Decimal
    qty: Decimal
    quote_qty: Decimal
    commission: Decimal
    commission_asset: str
    time: int
    is_buyer: bool
    is_maker: bool

    @property
    def side(self) -> OrderSide:
        return "BUY" if self.is_buyer else "SELL"


class Ticker24h(BinanceModel):
    symbol: str
    last_price: Decimal
    price_change: Decimal = ZERO
    price_change_percent: Decimal = ZERO
    open_price: Decimal = ZERO
    high_price: Decimal = ZERO
    low_price: Decimal = ZERO
    volume: Decimal = ZERO
    quote_volume: Decimal = ZERO
    open_time: int = 0
    close_time: int = 0


class Kline(BinanceModel):
    open_time: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    close_time: int
    quote_volume: Decimal = ZERO
    trades: int = 0

    @classmethod
    def from_row(cls, row: list[Any]) -> Kline:
        """Binance sends a kline as an array, not an object."""
        return cls(
            open_time=row[0],
            open=row[1],
            high=row[2],
            low=row[3],
            close=row[4],
            volume=row[5],
            close_time=row[6],
            quote_volume=row[7] if len(row) > 7 else ZERO,
            trades=row[8] if len(row) > 8 else 0,
        )


class SymbolFilters(BinanceModel):
    """The trading rules of one symbol from `exchangeInfo`, checked before an order is sent."""

    symbol: str
    status: str = "TRADING"
    base_asset: str
    quote_asset: str
    min_price: Decimal = ZERO
    max_price: Decimal = ZERO
    tick_size: Decimal = ZERO
    min_qty: Decimal = ZERO
    max_qty: Decimal = ZERO
    step_size: Decimal = ZERO
    min_notional: Decimal | None = None
    max_notional: Decimal | None = None
    apply_min_to_market: bool = True
    apply_max_to_market: bool = False

    @classmethod
    def from_exchange(cls, raw: dict[str, Any]) -> SymbolFilters:
        """Flatten Binance's list of `filterType` objects into one record."""
        values: dict[str, Any] = {
            "symbol": raw["symbol"],
            "status": raw.get("status", "TRADING"),
            "base_asset": raw["baseAsset"],
            "quote_asset": raw["quoteAsset"],
        }
        for flt in raw.get("filters", []):
            kind = flt.get("filterType")
            if kind == "PRICE_FILTER":
                values |= {k: flt[a] for k, a in _PRICE_KEYS.items() if a in flt}
            elif kind == "LOT_SIZE":
                values |= {k: flt[a] for k, a in _LOT_KEYS.items() if a in flt}
            elif kind == "NOTIONAL":
                values |= {k: flt[a] for k, a in _NOTIONAL_KEYS.items() if a in flt}
            elif kind == "MIN_NOTIONAL":
                values["min_notional"] = flt.get("minNotional")
                values["apply_min_to_market"] = flt.get("applyToMarket", True)
        return cls(**values)

    def check_order(
        self,
        order_type: OrderType,
        quantity: Decimal,
        price: Decimal | None,
        market_price: Decimal | None,
    ) -> None:
        """Raise `ValidationFailed` with one clear sentence if Binance would refuse the order."""
        if self.status != "TRADING":
            raise ValidationFailed(f"Trading {self.symbol} is halted on Binance ({self.status}).")
        self._check_quantity(quantity)
        if order_type == "LIMIT":
            if price is None:
                raise ValidationFailed("A limit order needs a price.")
            self._check_price(price)
            self._check_notional(quantity * price, market=False)
        else:
            if price is not None:
                raise ValidationFailed("A market order takes no price.")
            if market_price is not None:
                self._check_notional(quantity * market_price, market=True)

    def _check_quantity(self, qty: Decimal) -> None:
        steps = (self.min_qty, self.max_qty, self.step_size, "step size")
        self._check_within(qty, "quantity", self.base_asset, *steps)

    def _check_price(self, price: Decimal) -> None:
        ticks = (self.min_price, self.max_price, self.tick_size, "tick size")
        self._check_within(price, "price", self.quote_asset, *ticks)

    def _check_within(
        self,
        value: Decimal,
        what: str,
        unit: str,
        low: Decimal,
        high: Decimal,
        step: Decimal,
        step_name: str,
    ) -> None:
        """A positive value within [low, high] on the grid of `step` from `low` (a limit of
        0 is no limit), as the LOT_SIZE and PRICE_FILTER filters check it."""
        sym = self.symbol
        if value <= 0:
            raise ValidationFailed(f"The {what} must be greater than zero.")
        if low > 0 and value < low:
            raise ValidationFailed(
                f"The {what} {exact(value)} {unit} is below the minimum of "
                f"{exact(low)} {unit} for {sym}."
            )
        if high > 0 and value > high:
            raise ValidationFailed(
                f"The {what} {exact(value)} {unit} is above the maximum of "
                f"{exact(high)} {unit} for {sym}."
            )
        if step > 0 and (value - low) % step != 0:
            hint = _round_down(value, step, low)
            raise ValidationFailed(
                f"The {what} {exact(value)} {unit} is not a multiple of the {step_name} "
                f"{exact(step)} {unit} for {sym}; {exact(hint)} would be accepted."
            )

    def _check_notional(self, notional: Decimal, *, market: bool) -> None:
        quote, sym = self.quote_asset, self.symbol
        low, high = self.min_notional, self.max_notional
        applies_min = self.apply_min_to_market or not market
        applies_max = self.apply_max_to_market or not market
        if low and applies_min and notional < low:
            raise ValidationFailed(
                f"The order is worth {money(notional)} {quote}, below the minimum of "
                f"{exact(low)} {quote} for {sym}."
            )
        if high and applies_max and notional > high:
            raise ValidationFailed(
                f"The order is worth {money(notional)} {quote}, above the maximum of "
                f"{exact(high)} {quote} for {sym}."
            )


_PRICE_KEYS = {"min_price": "minPrice", "max_price": "maxPrice", "tick_size": "tickSize"}
_LOT_KEYS = {"min_qty": "minQty", "max_qty": "maxQty", "step_size": "stepSize"}
_NOTIONAL_KEYS = {
    "min_notional": "minNotional",
    "max_notional": "maxNotional",
    "apply_min_to_market": "applyMinToMarket",
    "apply_max_to_market": "applyMaxToMarket",
}


def _round_down(value: Decimal, step: Decimal, origin: Decimal) -> Decimal:
    """The nearest accepted value at or below `value` on the grid origin + k * step."""
    steps = ((value - origin) / step).to_integral_value(rounding=ROUND_DOWN)
    return origin + steps * step

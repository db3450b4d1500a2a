"""The arguments of a new order, checked before anything is stored or sent.

Runs before a confirmation is created, so a 5,000-character symbol or a quantity of `1e999999`
is one clear sentence (never echoing the whole input) instead of a stored token and a crash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from telegram_frontend.core.errors import ValidationFailed
from telegram_frontend.core.formatters import quoted

SYMBOL_PATTERN = re.compile(r"[A-Z0-9]{5,20}")
MAX_NUMBER_CHARS = 32
MAX_AMOUNT = Decimal("1e12")
MIN_EXPONENT = -18  # Binance quotes at most 8 decimals; anything finer is a mistake
SIDES = ("BUY", "SELL")
TYPES = ("MARKET", "LIMIT")
TIME_IN_FORCE = ("GTC", "IOC", "FOK")


@dataclass(frozen=True)
class OrderInput:
    """A syntactically valid order: upper-case names, finite positive Decimals in range."""

    symbol: str
    side: str
    order_type: str
    quantity: Decimal
    price: Decimal | None


def _shown(raw: object) -> str:
    """The input echoed safely: no control or bidi characters, cut short, in quotes."""
    return quoted(raw, limit=20)


def parse_symbol(raw: str) -> str:
    symbol = (raw or "").strip().upper()
    if not SYMBOL_PATTERN.fullmatch(symbol):
        raise ValidationFailed(
            f"The symbol {_shown(raw)} is not a trading pair (5-20 letters and digits, "
            "like BTCUSDT)."
        )
    return symbol


def parse_amount(raw: Decimal | str, what: str) -> Decimal:
    """A positive, finite Decimal of sensible size; commas accepted as decimal points."""
    if isinstance(raw, Decimal):
        value = raw
    else:
        text = (raw or "").strip().replace(",", ".")
        if not text or len(text) > MAX_NUMBER_CHARS:
            raise ValidationFailed(f"The {what} {_shown(raw)} is not a number.")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValidationFailed(f"The {what} {_shown(raw)} is not a number.") from None
    if not value.is_finite():
        raise ValidationFailed(f"The {what} {_shown(raw)} is not a number.")
    if value <= 0:
        raise ValidationFailed(f"The {what} must be above zero.")
    if value > MAX_AMOUNT or value.as_tuple().exponent < MIN_EXPONENT:  # type: ignore[operator]
        raise ValidationFailed(f"The {what} {_shown(raw)} is out of range.")
    return value


def parse_choice(raw: str, allowed: tuple[str, ...], what: str) -> str:
    value = (raw or "").strip().upper()
    if value not in allowed:
        raise ValidationFailed(
            f"The {what} must be one of {', '.join(allowed)}, not {_shown(raw)}."
        )
    return value


def parse_order(
    symbol: str,
    side: str,
    order_type: str,
    quantity: Decimal | str,
    price: Decimal | str | None = None,
) -> OrderInput:
    """Every argument checked; a LIMIT order needs a price and a MARKET order takes none."""
    kind = parse_choice(order_type, TYPES, "order type")
    checked_price = parse_amount(price, "price") if price is not None else None
    if kind == "LIMIT" and checked_price is None:
        raise ValidationFailed("A LIMIT order needs a price.")
    if kind == "MARKET" and checked_price is not None:
        raise ValidationFailed("A MARKET order takes no price.")
    return OrderInput(
        symbol=parse_symbol(symbol),
        side=parse_choice(side, SIDES, "side"),
        order_type=kind,
        quantity=parse_amount(quantity, "quantity"),
        price=checked_price,
    )

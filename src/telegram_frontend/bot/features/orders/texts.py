"""What /orders and /order say: the orders page, the questions before acting, the outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from telegram_frontend.bot.ui.account import account_label
from telegram_frontend.clients.binance.models import Order
from telegram_frontend.core.formatters import b, code, esc, exact, money, price_text, qty, when
from telegram_frontend.core.i18n import _
from telegram_frontend.services.account.actions import PanicReport
from telegram_frontend.services.account.orders import CancelResult, OrderPreview, PlacedOrder
from telegram_frontend.services.account.portfolio import OrderWithFills


def _order_time(order: Order, tz: str) -> str:
    stamp = order.timestamp_ms
    if stamp is None:
        return "—"
    return when(datetime.fromtimestamp(stamp / 1000, UTC), tz)


def order_line(order: Order, tz: str) -> str:
    """One order on one line: id, symbol, side, type, amount, price, status and time."""
    price = order.price if order.price > 0 else order.avg_price
    at = f" @ {price_text(price)}" if price else ""
    filled = ""
    if order.is_open and order.executed_qty > 0:
        filled = " · " + _("filled {done} of {total}").format(
            done=qty(order.executed_qty), total=qty(order.orig_qty)
        )
    return (
        code(f"#{order.order_id}")
        + " "
        + esc(f"{order.symbol} {order.side} {order.order_type} {qty(order.orig_qty)}{at}")
        + esc(filled)
        + " · "
        + esc(order.status)
        + " · "
        + esc(_order_time(order, tz))
    )


def history_line(item: OrderWithFills, tz: str) -> str:
    line = order_line(item.order, tz)
    fees = ", ".join(f"{qty(v)} {asset}" for asset, v in sorted(item.fees.items()) if v)
    if fees:
        line += " · " + esc(_("fee {fees}").format(fees=fees))
    return line


def orders_page_text(
    open_page: Sequence[Order],
    history_page: Sequence[OrderWithFills],
    open_total: int,
    own_keys: bool,
    page: int,
    pages: int,
    tz: str,
    notes: Sequence[str] = (),
) -> str:
    lines = [
        "📋 "
        + b(_("Orders"))
        + " · "
        + esc(account_label(own_keys))
        + " · "
        + esc(_("page {page} of {pages}").format(page=page + 1, pages=pages))
    ]
    if open_page:
        lines.append(b(_("Open ({count})").format(count=open_total)))
        lines += [order_line(o, tz) for o in open_page]
    elif page == 0:
        lines.append(esc(_("No open orders.")))
    if history_page:
        lines.append(b(_("Recent")))
        lines += [history_line(h, tz) for h in history_page]
    elif page == 0 and not notes:
        lines.append(esc(_("No recent orders.")))
    lines += ["⚠️ " + esc(note) for note in notes]
    return "\n".join(lines)


def unavailable_text(reason: str) -> str:
    return "⚠️ " + esc(_("Orders are not available: {reason}").format(reason=reason))


def cancel_order_label(order: Order) -> str:
    return "✖ " + _("Cancel #{order_id}").format(order_id=order.order_id)


def cancel_symbol_label(symbol: str, count: int) -> str:
    return "✖ " + _("Cancel all {symbol} ({count})").format(symbol=symbol, count=count)


def _with_expiry(question: str, ttl_seconds: float) -> str:
    expiry = _("This confirmation expires in {seconds} s.").format(seconds=int(ttl_seconds))
    return "❓ " + question + "\n" + esc(expiry)


def cancel_order_question(symbol: str, order_id: int, ttl_seconds: float) -> str:
    question = _("Cancel order {order} on {symbol}?").format(
        order=code(f"#{order_id}"), symbol=b(symbol)
    )
    return _with_expiry(question, ttl_seconds)


def cancel_symbol_question(symbol: str, ttl_seconds: float) -> str:
    question = _("Cancel every open order on {symbol}?").format(symbol=b(symbol))
    return _with_expiry(question, ttl_seconds)


def confirm_cancel_order_label() -> str:
    return _("Yes, cancel the order")


def confirm_cancel_all_label() -> str:
    return _("Yes, cancel them all")


def keep_label() -> str:
    return _("Keep it")


def outcome_text(result: object, tz: str) -> str:
    """What a confirmed cancel or order did."""
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
        if result.order.status == "EXPIRED":  # IOC/FOK that could not fill at once
            headline = "⌛ " + esc(_("Order expired without filling:"))
        else:
            headline = "✅ " + esc(_("Order placed:"))
        return (
            headline
            + " "
            + order_line(result.order, tz)
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


def order_usage_text() -> str:
    return (
        esc(_("Usage: /order buy|sell SYMBOL QUANTITY [LIMIT PRICE [GTC|IOC|FOK]]"))
        + "\n"
        + esc(_("Example: /order buy BTCUSDT 0.001 (market) or /order sell ETHUSDT 0.1 4000"))
    )


def place_question(order: OrderPreview, own_keys: bool, ttl_seconds: float) -> str:
    """The order exactly as it will be sent, on which account, its cost and the limit it met."""
    at = (
        _("at {price}").format(price=price_text(order.price, order.tick_size))
        if order.price is not None
        else _("at the market price")
    )
    kind = order.order_type
    question = _("Place {side} {kind} {quantity} {symbol} {at} on {account}?").format(
        side=b(order.side),
        kind=esc(kind if order.time_in_force == "GTC" else f"{kind} {order.time_in_force}"),
        quantity=b(exact(order.quantity)),
        symbol=b(order.symbol),
        at=esc(at),
        account=esc(account_label(own_keys)),
    )
    cost = _("Estimated cost: about {value} USDT").format(value=money(order.estimated_cost_usdt))
    limit = (
        _("Risk limit per order: {value} USDT").format(value=money(order.risk_limit_usdt))
        if order.risk_limit_usdt is not None
        else _("Risk limit per order: none set")
    )
    checks = _(
        "It passed the risk limits and Binance's filters and is checked again when sent. "
        "This confirmation expires in {seconds} s."
    ).format(seconds=int(ttl_seconds))
    return "\n".join(["❓ " + question, esc(cost), esc(limit), esc(checks)])

"""How the account looks in a chat: portfolio, strategy balances, positions, orders, panic report.

Pure functions from the services' results to HTML blocks (escaped through `formatters`), so the
routers stay thin and each picture is built in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

from telegram_frontend.clients.binance.models import Order
from telegram_frontend.core.availability import Partial
from telegram_frontend.core.formatters import (
    Block,
    b,
    code,
    esc,
    i,
    money,
    pct,
    pre_block,
    qty,
    signed,
    table,
    text_block,
    when,
)
from telegram_frontend.core.i18n import _
from telegram_frontend.services.account.actions import PanicItem, PanicReport
from telegram_frontend.services.account.portfolio import OrderWithFills, Portfolio
from telegram_frontend.services.trading.records import Position, Strategy


def account_label(own_keys: bool) -> str:
    return _("your own Binance account") if own_keys else _("the system Binance account")


# -- /portfolio ----------------------------------------------------------------------------------


def portfolio_blocks(portfolio: Portfolio, own_keys: bool, tz: str) -> list[Block]:
    """Holdings valued in USDT with allocation and 24 h change, dust in one line, the total."""
    blocks = [text_block("💼 " + b(_("Portfolio")) + " · " + esc(account_label(own_keys)))]
    rows = [
        [
            h.asset,
            qty(h.total),
            money(h.value_usdt),
            pct(h.allocation_pct),
            pct(h.change_24h_pct, signed_=True),
        ]
        for h in portfolio.holdings
    ]
    if rows:
        header = [_("Asset"), _("Amount"), "USDT", _("Alloc"), "24h"]
        blocks.append(pre_block(table(rows, header)))
    else:
        blocks.append(text_block(esc(_("The account holds nothing worth valuing."))))
    lines = []
    if portfolio.dust is not None:
        lines.append(
            _("Dust ({assets}, each below {limit} USDT): {value} USDT ({share})").format(
                assets=esc(", ".join(portfolio.dust.assets)),
                limit=esc(money(portfolio.dust_threshold_usdt)),
                value=esc(money(portfolio.dust.value_usdt)),
                share=esc(pct(portfolio.dust.allocation_pct)),
            )
        )
    if portfolio.unpriced:
        names = ", ".join(f"{h.asset} {qty(h.total)}" for h in portfolio.unpriced)
        lines.append(_("Not priced (no market): {assets}").format(assets=esc(names)))
    total = _("Total: {total}").format(total=b(money(portfolio.total_usdt, unit="USDT")))
    if portfolio.total_btc is not None:
        total += " ≈ " + esc(qty(portfolio.total_btc) + " BTC")
    if portfolio.change_24h_pct is not None:
        total += " · " + _("24 h: {change}").format(
            change=esc(pct(portfolio.change_24h_pct, signed_=True))
        )
    lines.append(total)
    lines.append(i(_("Prices as of {time}").format(time=when(portfolio.as_of, tz))))
    blocks.append(text_block("\n".join(lines)))
    return blocks


def strategy_balance_blocks(listing: Partial[Strategy]) -> list[Block]:
    """The strategies' virtual balances (they trade paper money inside the trading system)."""
    with_balance = [s for s in listing.items if s.balance is not None]
    blocks = [text_block("🤖 " + b(_("Strategies' virtual balances")))]
    if with_balance:
        rows = [[s.backend_id, money(s.balance), signed(s.pnl)] for s in with_balance]
        blocks.append(pre_block(table(rows, [_("Strategy"), _("Balance"), _("P&L")])))
        total = sum((s.balance for s in with_balance if s.balance is not None), start=0)
        blocks.append(text_block(_("Total: {total}").format(total=b(money(total, unit="USDT")))))
    elif not listing.unavailable:
        blocks.append(text_block(esc(_("No strategy reports a balance."))))
    blocks += unavailable_blocks(listing)
    return blocks


def unavailable_blocks(listing: Partial[Strategy]) -> list[Block]:
    return [text_block("⚠️ " + esc(note.sentence)) for note in listing.unavailable]


# -- /positions ----------------------------------------------------------------------------------


def positions_blocks(positions: Sequence[Position], tz: str) -> list[Block]:
    blocks = [text_block("📈 " + b(_("Open positions")))]
    if not positions:
        blocks.append(text_block(esc(_("No strategy holds a position right now."))))
        return blocks
    by_strategy: dict[str, list[Position]] = {}
    for position in positions:
        by_strategy.setdefault(position.strategy_id, []).append(position)
    # real snapshots carry no entry price or unrealized P&L: those columns only when known
    known_pnl = any(p.unrealized_pnl is not None for p in positions)
    header = [_("Symbol"), _("Size"), _("Mark"), _("Value")]
    if known_pnl:
        header += [_("Entry"), _("uPnL")]
    for strategy_id, items in sorted(by_strategy.items()):
        newest = max((p.as_of for p in items if p.as_of), default=None)
        blocks.append(text_block(b(strategy_id) + " · " + esc(when(newest, tz))))
        rows = []
        for p in items:
            row = [p.symbol or "?", qty(p.size), money(p.market_price), money(p.value)]
            if known_pnl:
                row += [money(p.entry_price), signed(p.unrealized_pnl)]
            rows.append(row)
        blocks.append(pre_block(table(rows, header)))
    value = sum((p.value for p in positions if p.value is not None), start=Decimal(0))
    blocks.append(
        text_block(esc(_("Value in total: {value}")).format(value=b(money(value, 2, "USDT"))))
    )
    if known_pnl:
        total = sum((p.unrealized_pnl for p in positions if p.unrealized_pnl is not None), start=0)
        blocks.append(
            text_block(
                esc(_("Unrealized P&L in total: {pnl}")).format(pnl=b(signed(total, unit="USDT")))
            )
        )
    return blocks


# -- /orders -------------------------------------------------------------------------------------


def _order_time(order: Order, tz: str) -> str:
    stamp = order.timestamp_ms
    if stamp is None:
        return "—"
    return when(datetime.fromtimestamp(stamp / 1000, UTC), tz)


def order_line(order: Order, tz: str) -> str:
    """One order on one line: id, symbol, side, type, amount, price, status and time."""
    price = order.price if order.price > 0 else order.avg_price
    at = f" @ {money(price, 8).rstrip('0').rstrip('.')}" if price else ""
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


# -- /panic --------------------------------------------------------------------------------------


_ICON = {"stopped": "✅", "cancelled": "✅", "unsupported": "⚠️", "failed": "❌"}


def _panic_strategy_line(item: PanicItem) -> str:
    name = item.strategy.name if item.strategy is not None else item.ref
    label = f"{name} ({item.ref})" if name != item.ref else item.ref
    if item.outcome == "stopped":
        outcome = _("stopped")
    elif item.outcome == "unsupported":
        outcome = _("cannot be stopped by this backend")
    else:
        outcome = _("could not be stopped: {reason}").format(reason=item.reason)
    return f"{_ICON[item.outcome]} {esc(label)} — {esc(outcome)}"


def _panic_order_line(item: PanicItem) -> str:
    order = item.order
    what = item.ref
    if order is not None:
        price = f" @ {money(order.price)}" if order.price > 0 else ""
        what = f"#{order.order_id} {order.symbol} {order.side} {qty(order.orig_qty)}{price}"
    if item.outcome == "cancelled":
        outcome = _("cancelled")
    else:
        outcome = _("not cancelled: {reason}").format(reason=item.reason)
    return f"{_ICON[item.outcome]} {esc(what)} — {esc(outcome)}"


def panic_report_blocks(report: PanicReport) -> list[Block]:
    if report.complete:
        head = "🛑 " + b(_("Panic done: everything that can be stopped was stopped."))
    else:
        head = "🛑 " + b(_("Panic finished, but not everything could be done: see below."))
    blocks = [text_block(head)]
    strategy_lines = [b(_("Strategies"))]
    strategy_lines += [_panic_strategy_line(s) for s in report.strategies] or [
        esc(_("No active strategy."))
    ]
    blocks.append(text_block("\n".join(strategy_lines)))
    order_lines = [b(_("Orders on {account}").format(account=esc(account_label(report.own_keys))))]
    order_lines += [_panic_order_line(o) for o in report.orders] or [esc(_("No open orders."))]
    blocks.append(text_block("\n".join(order_lines)))
    if report.notes:
        notes = [b(_("Could not check"))] + ["⚠️ " + esc(note) for note in report.notes]
        blocks.append(text_block("\n".join(notes)))
    return blocks

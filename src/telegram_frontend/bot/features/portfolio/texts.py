"""How the account looks in a chat: the portfolio, the strategies' balances, the positions.

Pure functions from the services' results to HTML blocks (escaped through `formatters`), so the
handlers stay thin and each picture is built in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from telegram_frontend.bot.ui.account import account_label
from telegram_frontend.bot.ui.notes import notes_block
from telegram_frontend.core.availability import Partial
from telegram_frontend.core.errors import ExchangeError, FrontendError
from telegram_frontend.core.formatters import (
    BINANCE_PLACES,
    TELEGRAM_CAPTION_LIMIT,
    Block,
    b,
    esc,
    i,
    money,
    pct,
    pre_block,
    price_text,
    qty,
    signed,
    table,
    text_block,
    truncate,
    when,
)
from telegram_frontend.core.i18n import _
from telegram_frontend.services.account.portfolio import Portfolio
from telegram_frontend.services.trading.records import Position, Strategy

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
        total += " ≈ " + esc(qty(portfolio.total_btc, BINANCE_PLACES) + " BTC")
    if portfolio.change_24h_pct is not None:
        total += " · " + _("24 h: {change}").format(
            change=esc(pct(portfolio.change_24h_pct, signed_=True))
        )
    lines.append(total)
    lines.append(i(_("Prices as of {time}").format(time=when(portfolio.as_of, tz))))
    blocks.append(text_block("\n".join(lines)))
    return blocks


def binance_problem_block(exc: FrontendError) -> Block:
    """Why the account's balances are missing (and, for a refused key, what to do about it)."""
    text = "⚠️ " + esc(
        _("Binance balances are not available: {reason}").format(reason=exc.user_message)
    )
    if isinstance(exc, ExchangeError):
        text += "\n" + esc(_("Add your own API keys in /config, or ask an admin to set them up."))
    return text_block(text)


def problem_block(reason: str) -> Block:
    return text_block("⚠️ " + esc(reason))


def allocation_caption(own_keys: bool, portfolio: Portfolio) -> str:
    """The chart's caption, within Telegram's caption limit."""
    caption = _("Allocation of {account}: {total}").format(
        account=esc(account_label(own_keys)), total=b(money(portfolio.total_usdt, unit="USDT"))
    )
    return caption if len(caption) < TELEGRAM_CAPTION_LIMIT else esc(truncate(caption, 900))


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
    blocks += notes_block(listing.unavailable)
    return blocks


# -- /positions ----------------------------------------------------------------------------------


def positions_unavailable_blocks(reason: str) -> list[Block]:
    return [
        text_block("⚠️ " + esc(_("Positions are not available: {reason}").format(reason=reason)))
    ]


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
            row = [p.symbol or "?", qty(p.size), price_text(p.market_price), money(p.value)]
            if known_pnl:
                row += [price_text(p.entry_price), signed(p.unrealized_pnl)]
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

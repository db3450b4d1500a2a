"""How a strategy's period figures read, on its card and on /performance alike.

Both screens show `StrategyPerformance` from the same computation; these words keep them
reading the same too: a Sharpe ratio always says what returns it was annualised from, and a
missing one says why.
"""

from __future__ import annotations

from telegram_frontend.core.formatters import money
from telegram_frontend.core.i18n import _
from telegram_frontend.services.trading.performance import (
    DAILY,
    HOURLY,
    Sharpe,
    SharpeGap,
)


def basis_mark(sharpe: Sharpe) -> str:
    """`d` or `h`: the return period of a Sharpe cell in a table."""
    if sharpe.basis is None:
        return ""
    return _("d") if sharpe.basis is DAILY else _("h")


def sharpe_cell(sharpe: Sharpe) -> str:
    """`1.29 d`, `0.53 h` or `—`, for a table (the legend explains the letters)."""
    if sharpe.value is None:
        return "—"
    return f"{money(sharpe.value)} {basis_mark(sharpe)}"


def sharpe_legend() -> str:
    """What a Sharpe cell means, under a table of them."""
    return _(
        "Sharpe is annualised from daily returns (d, ×√{days}) or, with fewer than {daily} of "
        "them, from hourly ones (h, ×√{hours}); — means not enough data yet or an equity that "
        "did not move."
    ).format(days=DAILY.per_year, daily=DAILY.min_returns, hours=HOURLY.per_year)


def sharpe_line(sharpe: Sharpe) -> str:
    """The Sharpe ratio as one plain sentence, with its basis or the reason it is missing."""
    if sharpe.value is not None:
        if sharpe.basis is DAILY:
            text = _("Sharpe ratio: {value} (annualised; daily returns: {count})")
        else:
            text = _("Sharpe ratio: {value} (annualised; hourly returns: {count})")
        return text.format(value=money(sharpe.value), count=sharpe.returns)
    if sharpe.gap is SharpeGap.NO_VOLATILITY:
        return _("Sharpe ratio: none, the equity did not move")
    return _(
        "Sharpe ratio: not enough data yet ({daily} daily or {hourly} hourly returns needed)"
    ).format(daily=DAILY.min_returns, hourly=HOURLY.min_returns)

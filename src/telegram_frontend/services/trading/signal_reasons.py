"""The MACD trader's usual decision reasons in the reader's language (one list for every screen).

Any other reason is shown exactly as the backend wrote it.
"""

from __future__ import annotations

from telegram_frontend.core.i18n import __

SIGNAL_REASONS = {
    "holding the position": __("holding the position"),
    "no signal": __("no signal"),
    "no position to sell": __("no position to sell"),
    "MACD bullish cross": __("MACD bullish cross"),
    "MACD bearish cross": __("MACD bearish cross"),
    "MACD bullish crossover": __("MACD bullish crossover"),
    "MACD bearish crossover": __("MACD bearish crossover"),
    "stop-loss hit": __("stop-loss hit"),
    "take-profit hit": __("take-profit hit"),
}


def signal_reason_text(reason: str) -> str:
    known = SIGNAL_REASONS.get(reason.strip())
    return str(known) if known is not None else reason

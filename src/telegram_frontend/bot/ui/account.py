"""Which Binance account a screen is about, in words: the user's own or the system's.

Shared by /portfolio, /orders and /panic, which all act on whichever account `CredentialsService`
picked for the user.
"""

from __future__ import annotations

from telegram_frontend.core.i18n import _


def account_label(own_keys: bool) -> str:
    return _("your own Binance account") if own_keys else _("the system Binance account")

"""How a confirmed action ends, in the same words on every screen: failed, cancelled, expired."""

from __future__ import annotations

from telegram_frontend.core.formatters import esc
from telegram_frontend.core.i18n import _


def failed_text(reason: str) -> str:
    return "❌ " + esc(reason)


def cancelled_text() -> str:
    return esc(_("Cancelled; nothing was changed."))


def expired_text(reason: str) -> str:
    """A confirmation that can no longer act (stale, replayed, someone else's)."""
    return "⌛ " + esc(reason)

"""What /report says: which report to ask for, and the caption under the CSV file."""

from __future__ import annotations

from telegram_frontend.core.formatters import code, esc
from telegram_frontend.core.i18n import _


def usage_text() -> str:
    return esc(_("Which report? For example: /report trades 7d or /report orders 30d."))


def caption_text(rows: int, period: str) -> str:
    return _("{rows} rows, period {period}.").format(rows=rows, period=code(period))

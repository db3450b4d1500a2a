"""The prompt shown instead of Confirm buttons when an action needs the user's TOTP code."""

from __future__ import annotations

from telegram_frontend.core.formatters import esc
from telegram_frontend.core.i18n import _


def second_factor_prompt_text() -> str:
    return esc(
        _(
            "Two-factor is required: send the current code from your authenticator app "
            "to confirm, or /cancel."
        )
    )

"""What the fallbacks say: no access yet, or a command nobody knows."""

from __future__ import annotations

from telegram_frontend.core.formatters import esc
from telegram_frontend.core.i18n import _


def no_access_yet_text() -> str:
    return _("You have no access to this bot yet. Send /start to ask for access.")


def unknown_command_text(command: str) -> str:
    return _("Unknown command {command}. Send /help for the list.").format(command=esc(command))

"""What the fallbacks say: no access yet, a command nobody knows, text, media or an edit."""

from __future__ import annotations

from telegram_frontend.core.formatters import esc
from telegram_frontend.core.i18n import _


def no_access_yet_text() -> str:
    return _("You have no access to this bot yet. Send /start to ask for access.")


def unknown_command_text(command: str) -> str:
    return _("Unknown command {command}. Send /help for the list.").format(command=esc(command))


def free_text_text() -> str:
    return esc(_("I understand commands: send /help for the list."))


def not_text_text() -> str:
    return esc(_("I read only text commands: send /help for the list."))


def edits_not_read_text() -> str:
    return esc(_("Edited messages are not read: send the command again as a new message."))

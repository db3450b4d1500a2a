"""The bot's last line: any error in a handler becomes a clear sentence, never a traceback.

Our own `FrontendError`s already carry a sentence for the user; anything else is logged (with
secrets redacted) and the user is told it was our fault. A failure to answer is logged too.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, ErrorEvent, Message

from telegram_frontend.core.errors import FrontendError
from telegram_frontend.core.formatters import esc, truncate
from telegram_frontend.core.i18n import __
from telegram_frontend.core.logging import get_logger
from telegram_frontend.core.metrics import COMMANDS

router = Router(name="errors")
log = get_logger(__name__)

INTERNAL = __("Something went wrong on our side. It was logged; please try again in a moment.")


@router.error()
async def on_error(event: ErrorEvent) -> bool:
    exc = event.exception
    if isinstance(exc, FrontendError):
        text = exc.user_message
        COMMANDS.labels(command="error", outcome=type(exc).__name__).inc()
    else:
        text = str(INTERNAL)
        COMMANDS.labels(command="error", outcome="internal").inc()
        log.error("handler_failed", error=f"{type(exc).__name__}: {exc}", exc_info=exc)
    update = event.update
    try:
        if update.callback_query is not None:
            await _answer_callback(update.callback_query, text)
        elif update.message is not None:
            await update.message.answer(esc(text))
    except TelegramAPIError as reply_error:
        log.warning("error_reply_failed", error=str(reply_error))
    return True


async def _answer_callback(query: CallbackQuery, text: str) -> None:
    await query.answer(truncate(text, 200), show_alert=True)
    if isinstance(query.message, Message) and len(text) > 200:
        await query.message.answer(esc(text))

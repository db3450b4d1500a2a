"""/logs [level] [text]: the latest log records of this bot, for admins, a page at a time.

A text filter is kept server-side for a day under a short key, so the Prev/Next buttons stay
within Telegram's 64 bytes whatever was searched for.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from dishka.integrations.aiogram import FromDishka

from telegram_frontend.bot.features.logs.callbacks import LogsPage, logs_query_key
from telegram_frontend.bot.features.logs.keyboards import logs_keyboard
from telegram_frontend.bot.features.logs.texts import filter_too_long_text, logs_blocks
from telegram_frontend.bot.middlewares import chat_action
from telegram_frontend.bot.ui.command_catalog import CommandInfo
from telegram_frontend.bot.ui.pages import answer_pages, edit_screen
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.caching.cache import Cache
from telegram_frontend.core.formatters import paginate
from telegram_frontend.core.i18n import _
from telegram_frontend.models import User
from telegram_frontend.services.admin.logs import LEVELS, LogService

router = Router(name="logs")
chat_action.install(router.message, router.callback_query)

LOGS_PAGE_SIZE = 10
LOGS_QUERY_MAX = 100
LOGS_QUERY_TTL_S = 86_400
SLOW = "typing"


def parse_logs_args(args: str | None) -> tuple[str, str]:
    """`/logs [level] [text]` → (LEVEL or "", text); a first word that is a level is the level."""
    words = (args or "").split(maxsplit=1)
    if words and words[0].upper() in LEVELS:
        return words[0].upper(), words[1].strip() if len(words) > 1 else ""
    return "", (args or "").strip()


async def _logs_screen(
    actor: Actor, user: User, logs: LogService, level: str, text: str, page: int
) -> tuple[list[str], bool]:
    records = await logs.recent(
        actor, level or None, text or None, limit=LOGS_PAGE_SIZE + 1, offset=page * LOGS_PAGE_SIZE
    )
    has_next = len(records) > LOGS_PAGE_SIZE
    blocks = logs_blocks(records[:LOGS_PAGE_SIZE], level, text, page, user.timezone)
    return paginate(blocks), has_next


@router.message(
    Command("logs"),
    flags={
        "role": Role.ADMIN,
        "chat_action": SLOW,
        "command": CommandInfo(
            "logs", "Latest log records of this bot", "[level] [text]", order=90
        ),
    },
)
async def logs_command(
    message: Message,
    command: CommandObject,
    actor: Actor,
    user: User,
    logs: FromDishka[LogService],
    cache: FromDishka[Cache],
) -> None:
    level, text = parse_logs_args(command.args)
    if len(text) > LOGS_QUERY_MAX:
        await message.answer(filter_too_long_text(LOGS_QUERY_MAX))
        return
    key = logs_query_key(text)
    if key:
        await cache.set(f"logs-query:{key}", text, ttl=LOGS_QUERY_TTL_S)
    pages, has_next = await _logs_screen(actor, user, logs, level, text, 0)
    await answer_pages(message, pages, logs_keyboard(0, has_next, level, key))


@router.callback_query(LogsPage.filter(), flags={"role": Role.ADMIN, "chat_action": SLOW})
async def logs_page(
    query: CallbackQuery,
    callback_data: LogsPage,
    actor: Actor,
    user: User,
    logs: FromDishka[LogService],
    cache: FromDishka[Cache],
) -> None:
    text = ""
    if callback_data.query:
        stored = await cache.get(f"logs-query:{callback_data.query}")
        if stored is None:
            await query.answer(_("This list expired; send /logs again."), show_alert=True)
            return
        text = stored
    page = max(0, callback_data.page)
    level = callback_data.level.upper()
    pages, has_next = await _logs_screen(actor, user, logs, level, text, page)
    keyboard = logs_keyboard(page, has_next, level, callback_data.query)
    await edit_screen(query, pages, keyboard, done_text=_("Page {page}").format(page=page + 1))


def get_router() -> Router:
    """This feature's handlers, for the one router list in `bot/dispatcher.py`."""
    return router

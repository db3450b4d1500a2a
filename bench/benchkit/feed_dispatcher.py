"""The real dispatcher (or a bare aiogram echo bot's) fed updates directly, under callgrind.

Run by bench/instructions.py as `valgrind --tool=callgrind --instr-atstart=no python
feed_dispatcher.py ENV_JSON COMMAND UPDATES [--echo]`: it builds the frontend's dispatcher from
the settings in ENV_JSON (no polling, no workers), sends UPDATES commands to warm everything up,
then switches callgrind's counting on for UPDATES more and off again. Nothing is patched: the
replies go to the bench's emulator through the real send path.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.types import Message, Update

FIRST_USER = 10_000


def counting(on: bool) -> None:
    """Switch callgrind's instruction counting for this process (a no-op outside valgrind)."""
    subprocess.run(
        ["callgrind_control", "-i", "on" if on else "off", str(os.getpid())],
        capture_output=True,
        check=False,
    )


def updates(bot: Bot, text: str, users: int) -> Callable[[], Update]:
    counter = iter(range(1, 10**9))

    def next_update() -> Update:
        n = next(counter)
        user = FIRST_USER + n % users
        sender = {"id": user, "is_bot": False, "first_name": "Bench", "language_code": "en"}
        message = {
            "message_id": n,
            "date": int(time.time()),
            "chat": {"id": user, "type": "private", "first_name": "Bench"},
            "from": sender,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        }
        return Update.model_validate({"update_id": n, "message": message}, context={"bot": bot})

    return next_update


async def frontend_dispatcher() -> tuple[Bot, Dispatcher, Callable[[], Awaitable[None]]]:
    from telegram_frontend.app import Frontend
    from telegram_frontend.core import migrator
    from telegram_frontend.core.database import Database
    from telegram_frontend.core.logging import configure_logging
    from telegram_frontend.core.settings import Settings

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    configure_logging(settings.log_level, settings.log_format)
    frontend = Frontend(settings)
    await migrator.upgrade(await frontend.container.get(Database))
    dispatcher = await frontend._build_dispatcher()

    async def close() -> None:
        await frontend.bot.session.close()
        await frontend.container.close()

    return frontend.bot, dispatcher, close


async def echo_dispatcher() -> tuple[Bot, Dispatcher, Callable[[], Awaitable[None]]]:
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    api = TelegramAPIServer.from_base(os.environ["TELEGRAM_API_BASE"])
    bot = Bot(os.environ["TELEGRAM_BOT_TOKEN"], session=AiohttpSession(api=api))
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    async def close() -> None:
        await bot.session.close()

    return bot, dispatcher, close


async def main(command: str, count: int, echo: bool, users: int) -> None:
    bot, dispatcher, close = await (echo_dispatcher() if echo else frontend_dispatcher())
    await bot.get_me()
    await dispatcher.emit_startup(bot=bot, dispatcher=dispatcher)
    make = updates(bot, command, users)
    extra: dict[str, Any] = {"dispatcher": dispatcher}
    for _ in range(count):
        await dispatcher.feed_update(bot, make(), **extra)
    counting(True)
    for _ in range(count):
        await dispatcher.feed_update(bot, make(), **extra)
    counting(False)
    await dispatcher.emit_shutdown(bot=bot, dispatcher=dispatcher)
    await close()


if __name__ == "__main__":
    env_file, text, number = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(env_file) as source:
        os.environ.update(json.load(source))
    import uvloop

    uvloop.install()
    asyncio.run(main(text, number, "--echo" in sys.argv, int(os.environ["BENCH_FEED_USERS"])))

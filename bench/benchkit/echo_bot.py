"""The baseline: a bare aiogram bot that echoes every message, nothing else.

Run by bench/command_latency.py as its own process, like the frontend, so both are measured
the same way: `python bench/benchkit/echo_bot.py --api http://127.0.0.1:PORT --token TOKEN`.
"""

from __future__ import annotations

import argparse
import asyncio
import signal

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message


async def serve(api: str, token: str) -> None:
    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api)))
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(dispatcher.stop_polling()))
    await dispatcher.start_polling(bot, handle_signals=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--api", required=True)
    parser.add_argument("--token", required=True)
    args = parser.parse_args()
    asyncio.run(serve(args.api, args.token))


if __name__ == "__main__":
    main()

"""The emulator with aiogram's own machinery: Dispatcher polling and the aiohttp webhook handler."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from telegram_frontend.sandbox.telegram.emulator_client import EmulatorClient

from .emulator_fixtures import USER_ID, bot, emulator, users

__all__ = ["bot", "emulator", "users"]

SECRET = "webhook-secret"


def echo_router() -> Router:
    """A miniature bot: /start offers a button, the button edits the message."""
    router = Router()

    @router.message(Command("start"))
    async def start(message: Message) -> None:
        markup = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Ping", callback_data="ping")]]
        )
        await message.answer(
            "<b>Hello</b>, press the button", parse_mode="HTML", reply_markup=markup
        )

    @router.callback_query(F.data == "ping")
    async def ping(query: CallbackQuery) -> None:
        assert isinstance(query.message, Message)
        await query.message.edit_text("Pong")
        await query.answer("Done")

    return router


@pytest.fixture
async def dispatcher() -> Dispatcher:
    dp = Dispatcher()
    dp.include_router(echo_router())
    return dp


async def test_polling_bot_answers_a_command_and_a_button(
    bot: Bot, users: EmulatorClient, dispatcher: Dispatcher
) -> None:
    polling = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False))
    try:
        await _converse(users)
    finally:
        await dispatcher.stop_polling()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(polling, 5)


@pytest.fixture
async def webhook_url(bot: Bot, dispatcher: Dispatcher) -> AsyncIterator[str]:
    """aiogram's SimpleRequestHandler served on a free local port, checking the secret."""
    app = web.Application()
    SimpleRequestHandler(dispatcher, bot, secret_token=SECRET).register(app, path="/tg")
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/tg"
    finally:
        await runner.cleanup()


async def test_webhook_bot_answers_a_command_and_a_button(
    bot: Bot, users: EmulatorClient, webhook_url: str
) -> None:
    assert await bot.set_webhook(webhook_url, secret_token=SECRET)
    await _converse(users)
    info = await bot.get_webhook_info()
    assert (info.pending_update_count, info.last_error_message) == (0, None)


async def test_webhook_with_a_wrong_secret_is_refused_by_the_bot(
    bot: Bot, users: EmulatorClient, webhook_url: str
) -> None:
    await bot.set_webhook(webhook_url, secret_token="not-the-secret")
    await users.send_message(USER_ID, "/start")
    info = await bot.get_webhook_info()
    deadline = time.monotonic() + 5
    while info.last_error_message is None and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
        info = await bot.get_webhook_info()
    assert info.last_error_message == "Wrong response from the webhook: 401 Unauthorized"
    assert [m.from_bot for m in await users.messages(USER_ID)] == [False]


async def _converse(users: EmulatorClient) -> None:
    started = await users.send_message(USER_ID, "/start")
    [greeting] = await users.wait_for_bot_messages(USER_ID, after_message_id=started.message_id)
    assert (greeting.text, greeting.parse_mode) == ("Hello, press the button", "HTML")
    assert greeting.entities == [{"type": "bold", "offset": 0, "length": 5}]
    pressed = await users.press_button(USER_ID, greeting.message_id, greeting.button_data("Ping"))
    answer = await users.wait_for_callback_answer(pressed.callback_query_id)
    assert answer.text == "Done"
    [edited] = [m for m in await users.messages(USER_ID) if m.message_id == greeting.message_id]
    assert (edited.text, edited.edited, edited.reply_markup) == ("Pong", True, None)

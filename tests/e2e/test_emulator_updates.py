"""How updates reach the bot through the emulator: long polling, webhooks, pressed buttons."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramConflictError
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import web

from telegram_frontend.sandbox.telegram.emulator import TelegramEmulator
from telegram_frontend.sandbox.telegram.emulator_client import EmulatorClient, EmulatorError

from .emulator_fixtures import USER_ID, bot, emulator, make_bot, users

__all__ = ["bot", "emulator", "users"]

WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


@dataclass
class WebhookReceiver:
    """A tiny bot-side webhook endpoint recording what Telegram POSTs to it."""

    url: str = ""
    status: int = 200
    reply: dict[str, Any] | None = None
    received: asyncio.Queue[tuple[dict[str, str], dict[str, Any]]] = field(
        default_factory=asyncio.Queue
    )
    hits: int = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.hits += 1
        await self.received.put((dict(request.headers), await request.json()))
        if self.reply is not None:
            return web.json_response(self.reply, status=self.status)
        return web.Response(status=self.status)


async def until_polling(emulator: TelegramEmulator, polls: int = 1) -> None:
    """Until the emulator holds the bot's long poll (checked every few ms, for at most 5 s)."""
    deadline = time.monotonic() + 5
    while emulator.context.poll_generation < polls:
        assert time.monotonic() < deadline, "the bot never started polling"
        await asyncio.sleep(0.005)


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    hook = WebhookReceiver()
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    hook.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        yield hook
    finally:
        await runner.cleanup()


async def test_long_poll_returns_a_message_as_soon_as_the_user_writes(
    emulator: TelegramEmulator, bot: Bot, users: EmulatorClient
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await until_polling(emulator)
    assert not poll.done()
    started = time.monotonic()
    injected = await users.send_message(USER_ID, "/portfolio BTC", username="alice")
    updates = await asyncio.wait_for(poll, 5)
    assert time.monotonic() - started < 2
    assert [u.update_id for u in updates] == [injected.update_id]
    message = updates[0].message
    assert message is not None and message.from_user is not None
    assert (message.text, message.chat.id, message.from_user.username) == (
        "/portfolio BTC",
        USER_ID,
        "alice",
    )
    assert [(e.type, e.offset, e.length) for e in message.entities or []] == [
        ("bot_command", 0, 10)
    ]


async def test_offset_confirms_earlier_updates(bot: Bot, users: EmulatorClient) -> None:
    first = await users.send_message(USER_ID, "one")
    second = await users.send_message(USER_ID, "two")
    assert [u.update_id for u in await bot.get_updates()] == [first.update_id, second.update_id]
    assert [u.update_id for u in await bot.get_updates(limit=1)] == [first.update_id]
    again = await bot.get_updates(offset=first.update_id + 1)
    assert [u.update_id for u in again] == [second.update_id]
    assert await bot.get_updates(offset=second.update_id + 1) == []
    assert await bot.get_updates() == []


async def test_long_poll_without_updates_waits_for_its_timeout(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == []
    assert 0.9 <= time.monotonic() - started < 3


async def test_allowed_updates_filters_update_types(bot: Bot, users: EmulatorClient) -> None:
    assert await bot.get_updates(allowed_updates=["callback_query"]) == []
    await users.send_message(USER_ID, "ignored")
    assert await bot.get_updates() == []
    await bot.get_updates(allowed_updates=[])
    kept = await users.send_message(USER_ID, "kept")
    assert [u.update_id for u in await bot.get_updates()] == [kept.update_id]


async def test_a_second_poller_ends_the_first_with_conflict(
    emulator: TelegramEmulator, bot: Bot
) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=10))
    await until_polling(emulator)
    other = make_bot(emulator)
    try:
        second = asyncio.create_task(other.get_updates(timeout=0))
        with pytest.raises(TelegramConflictError) as conflict:
            await asyncio.wait_for(first, 5)
        assert await second == []
    finally:
        await other.session.close()
    assert conflict.value.message == (
        "Conflict: terminated by other getUpdates request; "
        "make sure that only one bot instance is running"
    )


async def test_get_updates_conflicts_while_a_webhook_is_set(
    bot: Bot, receiver: WebhookReceiver
) -> None:
    assert await bot.set_webhook(receiver.url)
    with pytest.raises(TelegramConflictError) as conflict:
        await bot.get_updates()
    assert conflict.value.message == WEBHOOK_CONFLICT
    assert await bot.delete_webhook()
    assert await bot.get_updates() == []


async def test_webhook_receives_updates_with_the_secret_header(
    bot: Bot, users: EmulatorClient, receiver: WebhookReceiver
) -> None:
    early = await users.send_message(USER_ID, "before the webhook")
    await bot.set_webhook(receiver.url, secret_token="s3cr3t-Token_1")
    injected = await users.send_message(USER_ID, "hello webhook")
    deliveries = [await asyncio.wait_for(receiver.received.get(), 5) for _ in range(2)]
    headers, body = deliveries[1]
    assert headers["X-Telegram-Bot-Api-Secret-Token"] == "s3cr3t-Token_1"
    assert [b["update_id"] for _, b in deliveries] == [early.update_id, injected.update_id]
    assert body["message"]["text"] == "hello webhook"
    info = await bot.get_webhook_info()
    assert (info.url, info.has_custom_certificate) == (receiver.url, False)
    assert info.last_error_message is None


async def test_failed_webhook_delivery_is_retried_then_reported(
    bot: Bot, users: EmulatorClient, receiver: WebhookReceiver
) -> None:
    receiver.status = 500
    await bot.set_webhook(receiver.url)
    await users.send_message(USER_ID, "will fail")
    for _ in range(3):
        await asyncio.wait_for(receiver.received.get(), 5)
    info = await bot.get_webhook_info()
    deadline = time.monotonic() + 5
    while info.pending_update_count and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
        info = await bot.get_webhook_info()
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
    assert info.last_error_date is not None
    assert (receiver.hits, info.pending_update_count) == (3, 0)
    assert (await users.stats()).webhook_failures == 3


async def test_webhook_drop_pending_updates_discards_the_backlog(
    bot: Bot, users: EmulatorClient, receiver: WebhookReceiver
) -> None:
    await users.send_message(USER_ID, "stale")
    await bot.set_webhook(receiver.url, drop_pending_updates=True)
    fresh = await users.send_message(USER_ID, "fresh")
    _, body = await asyncio.wait_for(receiver.received.get(), 5)
    assert body["update_id"] == fresh.update_id


async def test_method_in_webhook_response_is_executed(
    bot: Bot, users: EmulatorClient, receiver: WebhookReceiver
) -> None:
    receiver.reply = {"method": "sendMessage", "chat_id": USER_ID, "text": "pong"}
    await bot.set_webhook(receiver.url)
    ping = await users.send_message(USER_ID, "ping")
    replies = await users.wait_for_bot_messages(USER_ID, after_message_id=ping.message_id)
    assert [m.text for m in replies] == ["pong"]


async def test_pressed_button_reaches_the_bot_and_its_answer_is_recorded(
    bot: Bot, users: EmulatorClient
) -> None:
    await users.send_message(USER_ID, "/stop")
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Confirm", callback_data="stop:macd:tok1")]]
    )
    prompt = await bot.send_message(USER_ID, "Stop MACD?", reply_markup=markup)
    pressed = await users.press_button(USER_ID, prompt.message_id, "stop:macd:tok1")
    updates = await bot.get_updates(offset=-1)
    query = updates[0].callback_query
    assert query is not None and query.message is not None
    assert (query.id, query.data, query.from_user.id) == (
        pressed.callback_query_id,
        "stop:macd:tok1",
        USER_ID,
    )
    assert query.message.message_id == prompt.message_id
    waiting = asyncio.create_task(users.wait_for_callback_answer(query.id, timeout=5))
    await asyncio.sleep(0)
    assert await bot.answer_callback_query(query.id, text="Stopped", show_alert=True)
    answer = await waiting
    assert (answer.answered, answer.text, answer.show_alert) == (True, "Stopped", True)
    with pytest.raises(TelegramBadRequest) as twice:
        await bot.answer_callback_query(query.id)
    assert twice.value.message == (
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )


async def test_only_buttons_on_the_message_can_be_pressed(bot: Bot, users: EmulatorClient) -> None:
    await users.send_message(USER_ID, "/start")
    plain = await bot.send_message(USER_ID, "no buttons")
    with pytest.raises(EmulatorError, match="has no button"):
        await users.press_button(USER_ID, plain.message_id, "anything")
    with pytest.raises(EmulatorError, match="not found"):
        await users.press_button(USER_ID, 999, "anything")


async def test_group_messages_carry_the_group_and_its_thread(
    bot: Bot, users: EmulatorClient
) -> None:
    group = -1001234567890
    asked = await users.send_message(
        USER_ID,
        "/status@sandbox123456789_bot",
        chat_id=group,
        chat_title="Desk",
        message_thread_id=7,
    )
    [update] = await bot.get_updates()
    message = update.message
    assert message is not None and message.from_user is not None
    assert (message.chat.id, message.chat.type, message.chat.title) == (group, "supergroup", "Desk")
    assert (message.from_user.id, message.message_thread_id) == (USER_ID, 7)
    assert [(e.type, e.length) for e in message.entities or []] == [("bot_command", 28)]
    await bot.send_message(group, "all running", message_thread_id=7)
    [reply] = await users.wait_for_bot_messages(group, after_message_id=asked.message_id)
    assert (reply.text, reply.message_thread_id) == ("all running", 7)


async def test_delete_webhook_can_drop_pending_updates(
    bot: Bot, users: EmulatorClient, receiver: WebhookReceiver
) -> None:
    receiver.status = 500
    await users.send_message(USER_ID, "kept while the webhook fails")
    await bot.set_webhook(receiver.url)
    await asyncio.wait_for(receiver.received.get(), 5)
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == []
    assert (await bot.get_webhook_info()).url == ""

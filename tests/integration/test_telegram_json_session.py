"""Bot API calls go out as one JSON body (nested objects as objects); a call with a file still
goes as multipart, as aiogram sends it. A local server records what arrived."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import web

from telegram_frontend.clients.telegram_json_session import JsonBodySession

TOKEN = "42:AAH-json-session-test-token-0123456789"
MESSAGE = {
    "message_id": 7,
    "date": 1_700_000_000,
    "chat": {"id": 5, "type": "private"},
    "text": "ok",
}


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, list[tuple[str, str, dict[str, Any]]]]]:
    seen: list[tuple[str, str, dict[str, Any]]] = []

    async def method(request: web.Request) -> web.Response:
        if request.content_type == "application/json":
            body = await request.json()
        else:
            body = {
                k: v if isinstance(v, str) else "<file>" for k, v in (await request.post()).items()
            }
        seen.append((request.match_info["method"], request.content_type, body))
        return web.json_response({"ok": True, "result": MESSAGE})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", method)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        await runner.cleanup()


async def test_calls_without_files_are_json_and_files_still_go_as_multipart(
    server: tuple[str, list[tuple[str, str, dict[str, Any]]]],
) -> None:
    base, seen = server
    bot = Bot(TOKEN, session=JsonBodySession(api=TelegramAPIServer.from_base(base)))
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Refresh", callback_data="r:1")]]
    )
    try:
        sent = await bot.send_message(
            5, "a & b <i>x</i> " + "é" * 50, reply_markup=keyboard, disable_notification=False
        )
        await bot.send_photo(5, BufferedInputFile(b"\x89PNG", "chart.png"), caption="chart")
    finally:
        await bot.session.close()
    assert sent.message_id == 7
    (method, kind, body), (photo_method, photo_kind, photo) = seen
    assert (method, kind) == ("sendMessage", "application/json")
    assert body == {
        "chat_id": 5,
        "text": "a & b <i>x</i> " + "é" * 50,
        "reply_markup": {"inline_keyboard": [[{"text": "Refresh", "callback_data": "r:1"}]]},
    }  # false and empty fields are left out, as aiogram's form leaves them out
    assert (photo_method, photo_kind) == ("sendPhoto", "multipart/form-data")
    assert photo["caption"] == "chart" and photo["photo"].startswith("attach://")

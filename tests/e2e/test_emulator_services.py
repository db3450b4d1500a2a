"""Files, command menus, scripted faults and the control client of the emulator."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time

import httpx
import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BufferedInputFile,
)

from telegram_frontend.sandbox.frontend_process import free_port
from telegram_frontend.sandbox.telegram.emulator_client import EmulatorClient, EmulatorTimeout

from .emulator_fixtures import USER_ID, bot, emulator, png_bytes, users

__all__ = ["bot", "emulator", "users"]


async def test_sent_photo_can_be_downloaded_byte_for_byte(bot: Bot, users: EmulatorClient) -> None:
    await users.send_message(USER_ID, "/chart")
    chart = png_bytes(640, 480)
    sent = await bot.send_photo(USER_ID, BufferedInputFile(chart, "chart.png"), caption="BTC")
    sizes = [(p.width, p.height) for p in sent.photo or []]
    assert sizes == [(90, 68), (320, 240), (640, 480)]
    largest = (sent.photo or [])[-1]
    file = await bot.get_file(largest.file_id)
    assert file.file_path is not None and file.file_size == len(chart)
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == chart
    stored = (await users.messages(USER_ID))[-1]
    assert stored.caption == "BTC" and stored.photo is not None
    assert await users.download(stored.photo[-1]["file_id"]) == chart


async def test_sent_document_keeps_its_name_type_and_bytes(bot: Bot, users: EmulatorClient) -> None:
    await users.send_message(USER_ID, "/export")
    csv = b"time,symbol,pnl\n2024-01-01,BTCUSDT,12.5\n"
    sent = await bot.send_document(USER_ID, BufferedInputFile(csv, "trades.csv"))
    document = sent.document
    assert document is not None
    assert (document.file_name, document.mime_type, document.file_size) == (
        "trades.csv",
        "text/csv",
        len(csv),
    )
    downloaded = await bot.download(document.file_id)
    assert downloaded is not None and downloaded.read() == csv
    resent = await bot.send_document(USER_ID, document.file_id)
    assert resent.document is not None and resent.document.file_id == document.file_id


async def test_bad_files_are_refused(bot: Bot, users: EmulatorClient) -> None:
    await users.send_message(USER_ID, "/chart")
    with pytest.raises(TelegramBadRequest) as not_image:
        await bot.send_photo(USER_ID, BufferedInputFile(b"not an image", "x.png"))
    with pytest.raises(TelegramBadRequest) as unknown_id:
        await bot.send_photo(USER_ID, "no-such-file-id")
    with pytest.raises(TelegramBadRequest) as unknown_file:
        await bot.get_file("no-such-file-id")
    assert not_image.value.message == "Bad Request: IMAGE_PROCESS_FAILED"
    assert unknown_id.value.message == "Bad Request: wrong file identifier/HTTP URL specified"
    assert unknown_file.value.message == "Bad Request: invalid file_id"


async def test_commands_are_kept_per_scope_and_language(bot: Bot, users: EmulatorClient) -> None:
    await users.send_message(USER_ID, "/start")
    everyone = [BotCommand(command="start", description="Start")]
    private = [BotCommand(command="status", description="Trading status")]
    admin = [BotCommand(command="stop_all", description="Emergency stop")]
    russian = [BotCommand(command="start", description="Старт")]
    admin_scope = BotCommandScopeChat(chat_id=USER_ID)
    assert await bot.set_my_commands(everyone)
    assert await bot.set_my_commands(private, scope=BotCommandScopeAllPrivateChats())
    assert await bot.set_my_commands(admin, scope=admin_scope)
    assert await bot.set_my_commands(russian, language_code="ru")
    assert pairs(await bot.get_my_commands()) == pairs(everyone)
    assert pairs(await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats())) == pairs(
        private
    )
    assert pairs(await bot.get_my_commands(scope=admin_scope)) == pairs(admin)
    assert pairs(await bot.get_my_commands(language_code="ru")) == pairs(russian)
    assert await bot.delete_my_commands(scope=admin_scope)
    assert await bot.get_my_commands(scope=admin_scope) == []
    assert len(await users.commands()) == 3


async def test_invalid_commands_and_unknown_scope_chat_are_refused(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest) as bad_name:
        await bot.set_my_commands([BotCommand(command="Stop-All", description="x")])
    with pytest.raises(TelegramBadRequest) as unknown_chat:
        await bot.get_my_commands(scope=BotCommandScopeChat(chat_id=4242))
    assert bad_name.value.message == "Bad Request: BOT_COMMAND_INVALID"
    assert unknown_chat.value.message == "Bad Request: chat not found"


async def test_injected_fault_fails_the_next_calls_then_clears(
    bot: Bot, users: EmulatorClient
) -> None:
    await users.send_message(USER_ID, "/start")
    await users.add_fault("sendMessage", 502)
    await users.add_fault("sendmessage", 429, retry_after=7)
    with pytest.raises(TelegramServerError) as bad_gateway:
        await bot.send_message(USER_ID, "first")
    with pytest.raises(TelegramRetryAfter) as flood:
        await bot.send_message(USER_ID, "second")
    sent = await bot.send_message(USER_ID, "third")
    assert bad_gateway.value.message == "Bad Gateway"
    assert flood.value.retry_after == 7
    assert [m.text for m in await users.messages(USER_ID) if m.from_bot] == [sent.text]
    stats = await users.stats()
    assert stats.calls["sendMessage"] == 3
    assert stats.errors_by_code == {"502": 1, "429": 1}
    assert (stats.faults_injected, stats.flood_429) == (2, 1)


async def test_dropped_connection_and_delay_faults(bot: Bot, users: EmulatorClient) -> None:
    await users.add_fault("getMe", "drop")
    with pytest.raises(TelegramNetworkError):
        await bot.get_me()
    await users.add_fault("getMe", 200, delay_s=0.2)
    started = time.monotonic()
    assert (await bot.get_me()).is_bot
    assert time.monotonic() - started >= 0.2
    await users.add_fault("*", 500, count=5)
    await users.clear_faults()
    assert (await bot.get_me()).is_bot


async def test_waiting_for_bot_messages_wakes_on_the_reply(bot: Bot, users: EmulatorClient) -> None:
    asked = await users.send_message(USER_ID, "/status")
    waiting = asyncio.create_task(
        users.wait_for_bot_messages(USER_ID, after_message_id=asked.message_id, count=2)
    )
    await bot.send_message(USER_ID, "MACD: running")
    await bot.send_message(USER_ID, "Grid: stopped")
    replies = await asyncio.wait_for(waiting, 5)
    assert [m.text for m in replies] == ["MACD: running", "Grid: stopped"]
    assert all(m.from_bot for m in replies)


async def test_waiting_for_an_edit_and_timing_out(bot: Bot, users: EmulatorClient) -> None:
    await users.send_message(USER_ID, "/price")
    sent = await bot.send_message(USER_ID, "BTC 65000")
    before = (await users.messages(USER_ID))[-1]
    waiting = asyncio.create_task(
        users.wait_for_edit(USER_ID, sent.message_id, after_revision=before.revision)
    )
    await bot.edit_message_text(text="BTC 65100", chat_id=USER_ID, message_id=sent.message_id)
    edited = await asyncio.wait_for(waiting, 5)
    assert (edited.text, edited.edited) == ("BTC 65100", True)
    with pytest.raises(EmulatorTimeout, match="BTC 65100"):
        await users.wait_for_bot_messages(USER_ID, after_message_id=sent.message_id, timeout=0.2)


async def test_reset_forgets_chats_and_limits(bot: Bot, users: EmulatorClient) -> None:
    await users.send_message(USER_ID, "/start")
    await users.set_limits(enabled=False)
    await users.reset()
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(USER_ID, "hello?")
    assert (await users.stats()).calls == {"sendMessage": 1}


def pairs(commands: list[BotCommand]) -> list[tuple[str, str]]:
    return [(c.command, c.description) for c in commands]


async def test_standalone_server_starts_from_the_command_line() -> None:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "telegram_frontend.sandbox.telegram.emulator",
        "--port",
        str(port),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        health = await _wait_for_health(f"http://127.0.0.1:{port}", process)
        assert health == {"ok": True, "base_url": f"http://127.0.0.1:{port}"}
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        await asyncio.wait_for(process.communicate(), 10)


async def _wait_for_health(base_url: str, process: asyncio.subprocess.Process) -> object:
    deadline = time.monotonic() + 15
    async with httpx.AsyncClient(base_url=base_url) as http:
        while True:
            with contextlib.suppress(httpx.TransportError):
                return (await http.get("/sandbox/health")).json()
            assert process.returncode is None, "the standalone emulator exited"
            assert time.monotonic() < deadline, "the standalone emulator did not start"
            await asyncio.sleep(0.05)

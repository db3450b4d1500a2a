"""Fixtures for tests that drive the Telegram emulator with the real aiogram Bot.

Import the fixtures into a test module (`from .emulator_fixtures import bot, emulator, users`).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession

from telegram_frontend.sandbox.telegram.emulator import TelegramEmulator, WebhookPolicy
from telegram_frontend.sandbox.telegram.emulator_client import EmulatorClient

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawq"
BOT_ID = 123456789
USER_ID = 1001


class PlainHttpSession(AiohttpSession):
    """aiogram's session without its 250 ms close delay, which only TLS connections need."""

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


def make_bot(emulator: TelegramEmulator, token: str = TOKEN) -> Bot:
    """The real aiogram Bot, pointed at the emulator."""
    return Bot(token, session=PlainHttpSession(api=emulator.api_server))


def png_bytes(width: int, height: int) -> bytes:
    """A valid RGB PNG of that size (a red rectangle)."""
    row = b"\x00" + b"\xff\x00\x00" * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(row * height))
        + _png_chunk(b"IEND", b"")
    )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


@pytest.fixture
async def emulator() -> AsyncIterator[TelegramEmulator]:
    """A fresh emulator with Telegram's default flood limits and a quick webhook retry."""
    server = TelegramEmulator(
        webhook_policy=WebhookPolicy(max_attempts=3, retry_delay_s=0.02),
        allow_insecure_webhooks=True,  # the tests' webhook receivers listen on plain localhost
    )
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def bot(emulator: TelegramEmulator) -> AsyncIterator[Bot]:
    instance = make_bot(emulator)
    try:
        yield instance
    finally:
        await instance.session.close()


@pytest.fixture
async def users(emulator: TelegramEmulator) -> AsyncIterator[EmulatorClient]:
    """The users' side: write to the bot, press buttons, read chats, steer the emulator."""
    async with EmulatorClient(emulator.base_url) as client:
        yield client

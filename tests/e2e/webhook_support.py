"""What the webhook-mode tests share: a frontend in webhook mode on a free port, an emulator that
delivers to plain-HTTP webhooks, the secret, and updates as a forger would post them.

Test modules take the `emulator` fixture with `from tests.e2e.webhook_support import *`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from telegram_frontend.sandbox.frontend_process import free_port
from telegram_frontend.sandbox.telegram.emulator import TelegramEmulator
from tests.e2e.harness import BOT_TOKEN, E2E_LIMITS, RunningFrontend, running_frontend

__all__ = ["emulator"]

SECRET = "s3cret_webhook-TOKEN_0123456789"


def webhook_env(settings_env: dict[str, str], port: int) -> dict[str, Any]:
    return {
        **settings_env,
        "HTTP_PORT": port,
        "TELEGRAM_MODE": "webhook",
        "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
    }


async def webhook_info(emulator: TelegramEmulator) -> dict[str, Any]:
    async with httpx.AsyncClient() as client:
        answer = await client.get(f"{emulator.base_url}/bot{BOT_TOKEN}/getWebhookInfo")
    result: dict[str, Any] = answer.json()["result"]
    return result


@pytest.fixture
async def emulator() -> AsyncIterator[TelegramEmulator]:
    emu = TelegramEmulator(limits=E2E_LIMITS, tokens=[BOT_TOKEN], allow_insecure_webhooks=True)
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


@asynccontextmanager
async def webhook_frontend(
    settings_env: dict[str, str], emulator: TelegramEmulator, **extra: str
) -> AsyncIterator[RunningFrontend]:
    """A frontend in webhook mode on a free port, registered with `emulator`."""
    env = webhook_env({**settings_env, **extra}, free_port())
    async with running_frontend(env, emulator=emulator) as app:
        yield app


def update_from(user_id: int, text: str, update_id: int = 900001) -> dict[str, Any]:
    """A Telegram update as an attacker would forge it."""
    sender = {"id": user_id, "is_bot": False, "first_name": "Forged"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": user_id, "type": "private", "first_name": "Forged"},
            "from": sender,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }

"""Webhook mode through the emulator: it POSTs updates to our URL with the secret header.

The bot must answer exactly as in polling mode; a POST without the right secret gets 401 and
is not processed at all (no user row, no reply); at stop the webhook is removed again.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from telegram_frontend.sandbox.telegram.emulator import TelegramEmulator
from telegram_frontend.services.admin.users import UserService
from tests.e2e.harness import RunningFrontend, text_of
from tests.e2e.webhook_support import *  # noqa: F403 (the emulator fixture)
from tests.e2e.webhook_support import SECRET, update_from, webhook_frontend, webhook_info

STRANGER = 777


@pytest.fixture
async def hooked(
    settings_env: dict[str, str], emulator: TelegramEmulator
) -> AsyncIterator[RunningFrontend]:
    async with webhook_frontend(settings_env, emulator) as app:
        yield app


async def test_in_webhook_mode_the_bot_answers_what_telegram_posts(
    hooked: RunningFrontend, emulator: TelegramEmulator
) -> None:
    admin = await hooked.admin()
    reply = text_of(await admin.send("/help"))
    assert reply.startswith("Commands you can use")
    assert "Your role: admin" in reply
    info = await webhook_info(emulator)
    assert info["url"] == f"{hooked.http_base}/telegram/webhook"
    assert {"message", "callback_query"} <= set(info["allowed_updates"])
    stats = await hooked.client.stats()
    assert stats.webhook_deliveries >= 1 and stats.webhook_failures == 0


async def test_a_post_without_the_right_secret_is_refused_and_processes_nothing(
    hooked: RunningFrontend,
) -> None:
    await hooked.client.register_chat(STRANGER)
    users = await hooked.frontend.container.get(UserService)
    async with httpx.AsyncClient(base_url=hooked.http_base) as http:
        for secret in (None, "", "wrong", SECRET[:-1], SECRET + "x", SECRET.upper()):
            headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
            refused = await http.post(
                "/telegram/webhook", json=update_from(STRANGER, "/start"), headers=headers
            )
            assert refused.status_code == 401, secret
            assert refused.json() == {
                "error": "unauthorized",
                "detail": "Wrong or missing secret token.",
            }
        # The same kind of update with the secret is processed: the refusals are what stopped it.
        accepted = await http.post(
            "/telegram/webhook",
            json=update_from(STRANGER, "/help", update_id=900002),
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
        assert accepted.status_code == 200
    replies = await hooked.client.wait_for_bot_messages(STRANGER)
    assert text_of(replies) == "Send /start to ask an administrator for access."
    assert await users.get(STRANGER) is None  # no /start was processed: no access request
    assert hooked.frontend.webhook is not None
    assert (hooked.frontend.webhook.accepted, hooked.frontend.webhook.refused) == (1, 6)


async def test_a_post_with_the_secret_but_no_update_is_422(hooked: RunningFrontend) -> None:
    async with httpx.AsyncClient(base_url=hooked.http_base) as http:
        answer = await http.post(
            "/telegram/webhook",
            content=b"not json",
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
    assert answer.status_code == 422 and answer.json()["error"] == "invalid"


async def test_stopping_removes_the_webhook(
    settings_env: dict[str, str], emulator: TelegramEmulator
) -> None:
    async with webhook_frontend(settings_env, emulator) as app:
        await app.admin()
        assert text_of(await app.chat(1000).send("/start")).startswith("Welcome")
        assert (await webhook_info(emulator))["url"]
    assert (await webhook_info(emulator))["url"] == ""


async def test_the_webhook_is_removed_even_when_the_first_removal_is_cut_off(
    settings_env: dict[str, str], emulator: TelegramEmulator
) -> None:
    """A dropped keep-alive connection on `deleteWebhook` once left the webhook set at stop."""
    async with webhook_frontend(settings_env, emulator) as app:
        await app.admin()
        assert (await webhook_info(emulator))["url"]
        await app.client.add_fault("deleteWebhook", "drop", count=1)
    assert (await webhook_info(emulator))["url"] == ""


async def test_an_update_posted_twice_is_answered_once(hooked: RunningFrontend) -> None:
    """Telegram resends an update whose 200 it missed; behind a load balancer the second copy
    may reach another replica, which shares the cache and must not answer again."""
    await hooked.client.register_chat(STRANGER)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with httpx.AsyncClient(base_url=hooked.http_base) as http:
        for _ in range(2):
            sent = await http.post(
                "/telegram/webhook", json=update_from(STRANGER, "/help", 900003), headers=headers
            )
            assert sent.status_code == 200
    replies = await hooked.client.wait_for_bot_messages(STRANGER)
    await asyncio.sleep(0.5)  # a second answer would have landed by now
    assert len(await hooked.client.wait_for_bot_messages(STRANGER)) == len(replies) == 1

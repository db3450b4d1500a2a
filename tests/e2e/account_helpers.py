"""Helpers of the account, config, admin and panic end-to-end tests: test data on the fakes,
button lookups, the audit trail, and letting a confirmation's time run out."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from aiogram.fsm.storage.base import StorageKey

from telegram_frontend.bot.ui.callbacks import Confirm
from telegram_frontend.core.access import SYSTEM
from telegram_frontend.core.caching.cache import Cache, MemoryCache, RedisCache
from telegram_frontend.models import AuditLog
from telegram_frontend.sandbox.binance.orders import FakeOrder, OrderRequest
from telegram_frontend.sandbox.telegram.emulator_client import CallbackAnswer, ChatMessage
from telegram_frontend.services.admin.audit import AuditService
from tests.e2e.crafted_presses import press_any
from tests.e2e.harness import Chat, RunningFrontend, World, wait_for


def freeze_market(world: World) -> float:
    """Stop the simulated prices so the test's expectations match what the bot was served."""
    now = time.time()
    world.market.clock = lambda: now
    return now


def system_api_key(world: World) -> str:
    key = world.app.settings.binance_api_key
    assert key is not None
    return key.get_secret_value()


def rest_order(
    world: World,
    symbol: str,
    quantity: str,
    price: str,
    side: str = "SELL",
    api_key: str | None = None,
) -> FakeOrder:
    """A limit order resting on the fake exchange (far from the market, so it never fills)."""
    account = world.binance.account(api_key or system_api_key(world))
    exchange = world.binance.exchange
    request = OrderRequest(
        symbol=symbol,
        side=side,
        type="LIMIT",
        quantity=Decimal(quantity),
        quote_qty=None,
        price=Decimal(price),
        time_in_force="GTC",
        client_id=None,
    )
    return exchange.place(account, request, world.binance.server_time())


def open_order_ids(world: World, api_key: str | None = None) -> list[int]:
    account = world.binance.account(api_key or system_api_key(world))
    return sorted(o.order_id for o in account.orders.values() if o.status == "NEW")


async def press_crafted(
    app: RunningFrontend, chat: Chat, message: ChatMessage, data: str
) -> CallbackAnswer:
    """Press data that is NOT on the message's keyboard, as a forged or replaying client could."""
    return await press_any(app.emulator.base_url, chat.user_id, message.message_id, data)


def button_texts(message: ChatMessage) -> list[str]:
    return [str(button["text"]) for row in message.buttons for button in row]


def button_data(message: ChatMessage, text: str) -> str:
    return message.button_data(text)


async def audit_rows(app: RunningFrontend, action: str) -> list[AuditLog]:
    audit = await app.frontend.container.get(AuditService)
    return [row for row in await audit.recent(SYSTEM, limit=200) if row.action == action]


async def expire_confirmation(app: RunningFrontend, confirm_data: str) -> None:
    """Let the confirmation behind a Confirm button outlive its TTL, in the cache itself."""
    await expire_token(app, Confirm.unpack(confirm_data).token)


async def dialog_data(app: RunningFrontend, user_id: int) -> dict[str, Any]:
    """What the user's open dialog keeps (e.g. the pending /panic token)."""
    dispatcher = app.frontend.dispatcher
    assert dispatcher is not None
    key = StorageKey(bot_id=app.frontend.bot.id, chat_id=user_id, user_id=user_id)
    return await dispatcher.storage.get_data(key)


async def expire_token(app: RunningFrontend, token: str) -> None:
    cache = await app.frontend.container.get(Cache)
    if isinstance(cache, MemoryCache):
        real = cache._clock
        cache._clock = lambda: real() + 3600  # an hour passes for every key
    else:
        assert isinstance(cache, RedisCache)
        await cache.client.pexpire(cache._k(f"confirm:{token}"), 1)

    async def gone() -> bool:
        return await cache.get(f"confirm:{token}") is None

    await wait_for(gone, what="the confirmation to expire")

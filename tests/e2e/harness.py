"""End-to-end harness: the real frontend (bot, API, workers) against the Bot API emulator.

Tests talk to the bot as users do, through the emulator's control API; nothing of ours is
patched. `Chat.send` returns the bot's replies once it has answered; `Chat.press` presses an
inline button by its text.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from telegram_frontend.app import Frontend
from telegram_frontend.core.access import Role
from telegram_frontend.core.database import Database
from telegram_frontend.core.settings import Settings
from telegram_frontend.models.notification import OutboxMessage, OutboxStatus
from telegram_frontend.sandbox.backends.market import SimulatedMarket
from telegram_frontend.sandbox.backends.trading_system import FakeBackends
from telegram_frontend.sandbox.binance.server import FakeBinance
from telegram_frontend.sandbox.telegram.emulator import TelegramEmulator
from telegram_frontend.sandbox.telegram.emulator_client import (
    CallbackAnswer,
    ChatMessage,
    EmulatorClient,
    EmulatorTimeout,
)
from telegram_frontend.sandbox.telegram.flood import FloodLimits
from telegram_frontend.sandbox.world import SANDBOX_TOKEN, SandboxWorld, WorldConfig
from telegram_frontend.services.admin.users import UserService

BOT_TOKEN = SANDBOX_TOKEN
ADMIN_ID = 1000
QUIET_S = 0.3
IDLE_POLL_S = 0.05

# Generous limits so ordinary tests never meet flood control; flood tests set their own.
E2E_LIMITS = FloodLimits(per_private_chat_per_s=200, per_group_per_min=6000, global_per_s=1000)


@dataclass
class PressResult:
    """What pressing a button did: the callback answer, and the chat afterwards."""

    answer: CallbackAnswer
    edited: ChatMessage | None
    new_messages: list[ChatMessage]


@dataclass
class Chat:
    """One user's private chat with the bot."""

    client: EmulatorClient
    user_id: int
    name: str = "User"
    username: str | None = None
    last: list[ChatMessage] = field(default_factory=list)
    idle: Callable[[int], Awaitable[bool]] | None = None
    """Whether the bot has nothing left to say to this chat; without it, wait `QUIET_S`."""

    async def _bot_messages(self) -> list[ChatMessage]:
        return [m for m in await self.client.messages(self.user_id) if m.from_bot]

    async def send(self, text: str, *, expect: int = 1, timeout: float = 10.0) -> list[ChatMessage]:
        """Write `text`; return every bot message that follows once the bot has gone quiet."""
        injected = await self.client.send_message(
            self.user_id, text, first_name=self.name, username=self.username
        )
        replies = await self.client.wait_for_bot_messages(
            self.user_id, after_message_id=injected.message_id, count=expect, timeout=timeout
        )
        replies = await self._settle(injected.message_id, len(replies))
        self.last = replies
        return replies

    async def send_silently(self, text: str) -> int:
        """Write `text` without waiting for a reply; returns the message id."""
        injected = await self.client.send_message(
            self.user_id, text, first_name=self.name, username=self.username
        )
        return injected.message_id

    async def _settle(self, after_id: int, seen: int) -> list[ChatMessage]:
        """Wait until the bot has gone quiet: `QUIET_S` without a new message, or sooner when
        the frontend has finished every update and queued nothing for this chat (twice in a
        row, `IDLE_POLL_S` apart, so work a handler handed on is seen to start)."""
        quiet_since = time.monotonic()
        idle_checks = 0
        while True:
            try:
                more = await self.client.wait_for_bot_messages(
                    self.user_id, after_message_id=after_id, count=seen + 1, timeout=IDLE_POLL_S
                )
            except EmulatorTimeout:
                if time.monotonic() - quiet_since >= QUIET_S:
                    break
                idle_checks = idle_checks + 1 if await self._is_idle() else 0
                if idle_checks >= 2:
                    break
                continue
            seen = len(more)
            quiet_since = time.monotonic()
            idle_checks = 0
        messages = await self._bot_messages()
        return [m for m in messages if m.message_id > after_id]

    async def _is_idle(self) -> bool:
        return self.idle is not None and await self.idle(self.user_id)

    async def latest_with_button(self, text: str) -> tuple[ChatMessage, str]:
        for message in reversed(await self._bot_messages()):
            for row in message.buttons:
                for button in row:
                    if button.get("text") == text and "callback_data" in button:
                        return message, str(button["callback_data"])
        raise AssertionError(f"no button {text!r} in the chat with {self.user_id}")

    async def press(self, text: str, *, timeout: float = 10.0) -> PressResult:
        """Press the newest button labelled `text`; wait for the answer and what follows."""
        message, data = await self.latest_with_button(text)
        return await self.press_data(message, data, timeout=timeout)

    async def press_data(
        self, message: ChatMessage, data: str, *, timeout: float = 10.0
    ) -> PressResult:
        """Press a button with arbitrary (possibly crafted) data on `message`."""
        before = await self.client.history(self.user_id, include_deleted=True)
        last_id = max((m.message_id for m in before.messages), default=0)
        revision = next(
            (m.revision for m in before.messages if m.message_id == message.message_id), 0
        )
        pressed = await self.client.press_button(self.user_id, message.message_id, data)
        answer = await self.client.wait_for_callback_answer(
            pressed.callback_query_id, timeout=timeout
        )
        await self._settle(last_id, 0)
        after = await self.client.messages(self.user_id, include_deleted=True)
        edited = next(
            (m for m in after if m.message_id == message.message_id and m.revision > revision),
            None,
        )
        new = [m for m in after if m.from_bot and m.message_id > last_id]
        return PressResult(answer=answer, edited=edited, new_messages=new)


def text_of(messages: list[ChatMessage]) -> str:
    return "\n".join((m.text or m.caption or "") for m in messages)


@dataclass
class RunningFrontend:
    """The started frontend with the handles tests need."""

    frontend: Frontend
    emulator: TelegramEmulator
    client: EmulatorClient
    settings: Settings

    @property
    def http_base(self) -> str:
        return f"http://127.0.0.1:{self.frontend.http_port}"

    def chat(self, user_id: int, name: str = "User", username: str | None = None) -> Chat:
        return Chat(self.client, user_id, name, username, idle=self.idle_for)

    async def idle_for(self, chat_id: int) -> bool:
        """No update is being handled and the outbox holds nothing unsent for `chat_id`."""
        if self.frontend.update_slots.handling:
            return False
        database = await self.frontend.container.get(Database)
        async with database.engine.connect() as conn:
            waiting = await conn.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(
                    OutboxMessage.chat_id == chat_id,
                    OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
                )
            )
        return not waiting

    async def user_with_role(self, user_id: int, role: Role, name: str = "User") -> Chat:
        """Set up a user in a role (test data, written through the service, not the bot)."""
        users = await self.frontend.container.get(UserService)
        await users.register(user_id, f"user{user_id}", name)
        await self.client.register_chat(user_id)  # they have talked to the bot before
        if role != Role.PENDING:
            from telegram_frontend.core.access import Actor

            admin = Actor(role=Role.ADMIN, user_id=ADMIN_ID, name="setup")
            await users.set_role(admin, user_id, role)
        return self.chat(user_id, name, f"user{user_id}")

    async def admin(self) -> Chat:
        return await self.user_with_role(ADMIN_ID, Role.ADMIN, "Admin")


async def wait_for(
    condition: Callable[[], Awaitable[bool]], timeout: float = 10.0, what: str = "condition"
) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@asynccontextmanager
async def running_frontend(
    env: dict[str, Any],
    *,
    limits: FloodLimits = E2E_LIMITS,
    emulator: TelegramEmulator | None = None,
) -> AsyncIterator[RunningFrontend]:
    """Start the emulator (unless given) and the whole frontend pointed at it."""
    own_emulator = emulator is None
    emu = emulator or TelegramEmulator(
        limits=limits, tokens=[BOT_TOKEN], allow_insecure_webhooks=True
    )
    if own_emulator:
        await emu.start()
    values: dict[str, Any] = {
        "telegram_bot_token": BOT_TOKEN,
        "telegram_api_base": emu.base_url,
        "http_host": "127.0.0.1",
        "http_port": 0,
        "admin_user_ids": [ADMIN_ID],
        "log_level": "WARNING",
        **{k.lower(): v for k, v in env.items()},
    }
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    frontend = Frontend(settings)
    client = EmulatorClient(emu.base_url)
    try:
        await frontend.start()

        async def connected() -> bool:
            return frontend.state.telegram_connected

        await wait_for(connected, what="the bot to reach the emulator")
        yield RunningFrontend(frontend, emu, client, settings)
    finally:
        await frontend.stop()
        await client.aclose()
        if own_emulator:
            await emu.stop()


@dataclass
class World:
    """The frontend plus the fake trading system and the fake Binance behind it."""

    app: RunningFrontend
    backends: FakeBackends
    binance: FakeBinance
    market: SimulatedMarket
    sandbox: SandboxWorld


@asynccontextmanager
async def running_world(
    env: dict[str, Any],
    trading_database_url: str,
    *,
    limits: FloodLimits = E2E_LIMITS,
    extra_env: dict[str, Any] | None = None,
    mainnet_trading_database_url: str | None = None,
    deployments_file: Path | None = None,
) -> AsyncIterator[World]:
    """The sandbox world (the same one `tgfront sandbox` runs) on this test's databases.

    With `mainnet_trading_database_url` it runs two deployments, "testnet" and "mainnet".
    """
    merged = {**env, **(extra_env or {})}
    config = WorldConfig(
        database_url=merged.pop("DATABASE_URL"),
        trading_database_url=trading_database_url,
        limits=limits,
        admin_ids=(ADMIN_ID,),
        env=merged,
        mainnet_trading_database_url=mainnet_trading_database_url,
        deployments_file=deployments_file,
    )
    sandbox = SandboxWorld(config)
    client: EmulatorClient | None = None
    try:
        await sandbox.start()
        await sandbox.wait_connected()
        assert sandbox.frontend is not None and sandbox.settings is not None
        client = EmulatorClient(sandbox.emulator.base_url)
        app = RunningFrontend(sandbox.frontend, sandbox.emulator, client, sandbox.settings)
        yield World(app, sandbox.backends, sandbox.binance, sandbox.market, sandbox)
    finally:
        if client is not None:
            await client.aclose()
        await sandbox.stop()

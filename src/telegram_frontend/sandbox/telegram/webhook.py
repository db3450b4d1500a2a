"""Webhook mode of the emulated Bot API: push pending updates to the bot's URL, as Telegram does.

Updates are POSTed as JSON one at a time, in order, with `X-Telegram-Bot-Api-Secret-Token` when a
secret was set. A non-2xx answer or a network error is retried a few times with back-off and then
given up ("we will repeat the request and give up after a reasonable amount of attempts"), the
error being kept for getWebhookInfo. A JSON answer naming a "method" is executed, as Telegram does
for replies given in the webhook response.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from telegram_frontend.sandbox.telegram.faults import CallStats
from telegram_frontend.sandbox.telegram.update_queue import Update, UpdateQueue

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
log = logging.getLogger(__name__)

ExecuteReply = Callable[[str, str, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class WebhookPolicy:
    """How hard delivery tries; small by default so a failing test endpoint costs little time."""

    max_attempts: int = 3
    retry_delay_s: float = 0.1
    timeout_s: float = 5.0


@dataclass(frozen=True)
class WebhookConfig:
    url: str
    token: str
    secret_token: str | None = None
    max_connections: int = 40


class WebhookDelivery:
    """Owns the delivery task while a webhook is set; getUpdates is refused meanwhile."""

    def __init__(
        self,
        queue: UpdateQueue,
        stats: CallStats,
        execute_reply: ExecuteReply,
        policy: WebhookPolicy | None = None,
    ) -> None:
        self.queue = queue
        self.stats = stats
        self.execute_reply = execute_reply
        self.policy = policy or WebhookPolicy()
        self.config: WebhookConfig | None = None
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def active(self) -> bool:
        return self.config is not None

    async def configure(self, config: WebhookConfig) -> None:
        await self.clear()
        self.config = config
        self._task = asyncio.create_task(self._run(config), name="telegram-emulator-webhook")

    async def clear(self) -> None:
        self.config = None
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            if task is asyncio.current_task():
                return  # setWebhook/deleteWebhook given as a webhook reply: we end ourselves
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def info(self) -> dict[str, Any]:
        """The WebhookInfo object; url is empty when no webhook is set."""
        info: dict[str, Any] = {
            "url": self.config.url if self.config else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.queue.pending),
        }
        if self.config is not None:
            info["max_connections"] = self.config.max_connections
            info["ip_address"] = "127.0.0.1"
            if self.queue.allowed_list is not None:
                info["allowed_updates"] = self.queue.allowed_list
        if self.last_error_date is not None:
            info["last_error_date"] = self.last_error_date
            info["last_error_message"] = self.last_error_message
        return info

    async def _run(self, config: WebhookConfig) -> None:
        timeout = aiohttp.ClientTimeout(total=self.policy.timeout_s)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while self.config is config:
                changed = self.queue.signal.current()
                head = self.queue.first(1)
                if not head:
                    await changed.wait()
                    continue
                await self._deliver_with_retries(session, config, head[0])
                self.queue.remove(head[0].update_id)

    async def _deliver_with_retries(
        self, session: aiohttp.ClientSession, config: WebhookConfig, update: Update
    ) -> None:
        for attempt in range(self.policy.max_attempts):
            error = await self._deliver(session, config, update)
            if error is None:
                self.stats.webhook_deliveries += 1
                return
            self.stats.webhook_failures += 1
            self.last_error_date = int(time.time())
            self.last_error_message = error
            log.info("webhook delivery of update %s failed: %s", update.update_id, error)
            if attempt + 1 < self.policy.max_attempts:
                await asyncio.sleep(self.policy.retry_delay_s * 2**attempt)

    async def _deliver(
        self, session: aiohttp.ClientSession, config: WebhookConfig, update: Update
    ) -> str | None:
        """POST one update; None on a 2xx answer, else Telegram's wording of what went wrong."""
        headers = {SECRET_HEADER: config.secret_token} if config.secret_token else {}
        try:
            async with session.post(config.url, json=update.to_api(), headers=headers) as resp:
                if not 200 <= resp.status < 300:
                    return f"Wrong response from the webhook: {resp.status} {resp.reason}"
                reply = await _json_or_none(resp)
        except aiohttp.ClientConnectorError:
            return "Connection refused"
        except TimeoutError:
            return "Read timeout expired"
        except aiohttp.ClientError as exc:
            return f"Connection error: {type(exc).__name__}"
        if isinstance(reply, dict) and isinstance(reply.get("method"), str):
            params = {k: v for k, v in reply.items() if k != "method"}
            await self.execute_reply(config.token, reply["method"], params)
        return None


async def _json_or_none(resp: aiohttp.ClientResponse) -> Any:
    if resp.content_type != "application/json":
        return None
    try:
        return await resp.json()
    except ValueError:
        return None

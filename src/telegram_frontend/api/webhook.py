"""Webhook mode: Telegram POSTs each update to `/telegram/webhook`; we feed the same Dispatcher.

Only a request carrying our secret in `X-Telegram-Bot-Api-Secret-Token` (compared in constant
time) is read at all: anything else gets 401 and is dropped before its body is parsed. Accepted
updates are handled in the background, as polling does, so Telegram gets its 200 at once and a
slow handler never makes it resend; the runtime drains these tasks when it stops. An update id
already taken (in the shared cache: by this or another replica behind the same balancer, e.g.
when Telegram resends an update whose answer it missed) is not handled twice.
"""

from __future__ import annotations

import asyncio
import hmac
from typing import Annotated, Any

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from telegram_frontend.api.errors import error_response, error_responses
from telegram_frontend.core.caching.cache import Cache
from telegram_frontend.core.logging import get_logger

log = get_logger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
SEEN_SECONDS = 3600.0  # longer than Telegram keeps resending an update


class WebhookIntake:
    """Checks the secret and hands accepted updates to the dispatcher as background tasks."""

    def __init__(
        self, dispatcher: Dispatcher, bot: Bot, secret: str, *, seen: Cache | None = None
    ) -> None:
        self.dispatcher = dispatcher
        self.bot = bot
        self._seen = seen
        self.repeated = 0
        self._secret = secret.encode()
        self._tasks: set[asyncio.Task[Any]] = set()
        self.accepting = True
        self.accepted = 0
        self.refused = 0

    def authentic(self, presented: str | None) -> bool:
        return presented is not None and hmac.compare_digest(presented.encode(), self._secret)

    def accept(self, update: Update) -> None:
        task = asyncio.create_task(self._handle(update), name=f"update-{update.update_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        self.accepted += 1

    async def _handle(self, update: Update) -> None:
        if self._seen is not None:
            key = f"tg-update:{self.bot.id}:{update.update_id}"
            if not await self._seen.add(key, "1", SEEN_SECONDS):
                self.repeated += 1
                log.info("webhook_update_repeated", update_id=update.update_id)
                return
        try:
            await self.dispatcher.feed_update(self.bot, update, dispatcher=self.dispatcher)
        except Exception as exc:  # the error router answered the user; this is what is left
            log.error("webhook_update_failed", update_id=update.update_id, error=repr(exc))

    async def drain(self, grace_seconds: float) -> None:
        """Stop accepting, let updates in progress finish (bounded), cancel the rest."""
        self.accepting = False
        pending = set(self._tasks)
        if not pending:
            return
        _, late = await asyncio.wait(pending, timeout=grace_seconds)
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late, timeout=1.0)

    def router(self) -> APIRouter:
        router = APIRouter(tags=["telegram"])

        @router.post(
            WEBHOOK_PATH,
            summary="Telegram update intake (webhook mode)",
            response_model=dict[str, bool],
            responses=error_responses(401, 422, 503),
            openapi_extra={
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"type": "object"}}},
                    "description": "A Telegram `Update` object",
                }
            },
        )
        async def telegram_webhook(
            request: Request,
            secret: Annotated[
                str | None,
                Header(alias=SECRET_HEADER, description="The secret given to setWebhook"),
            ] = None,
        ) -> Any:
            if not self.authentic(secret):
                self.refused += 1
                log.warning("webhook_refused", client=request.client.host if request.client else "")
                return error_response(401, "unauthorized", "Wrong or missing secret token.")
            if not self.accepting:
                return error_response(503, "stopping", "The bot is stopping; retry later.")
            try:
                update = Update.model_validate(await request.json(), context={"bot": self.bot})
            except (ValueError, ValidationError):
                return error_response(422, "invalid", "The body is not a Telegram update.")
            self.accept(update)
            return JSONResponse({"ok": True})

        return router

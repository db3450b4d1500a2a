"""Webhook mode: Telegram POSTs each update to `/telegram/webhook`; we feed the same Dispatcher.

Only a request carrying our secret in `X-Telegram-Bot-Api-Secret-Token` (compared in constant
time) is read at all: anything else gets 401 and is dropped before its body is parsed. An accepted
update is first written to the webhook inbox (our database), then Telegram gets its 200 and the
update is handled in the background, as polling does, so a slow handler never makes Telegram
resend. Once handled its row is marked done; if this replica dies first, another one takes the
row over when its lease ends (workers/webhook_takeover.py), so an acknowledged update is never
lost. An update id already in the inbox (Telegram resending one whose 200 it missed, to this or
another replica behind the same balancer) is not handled twice. When the inbox cannot be written
Telegram gets 503 and sends the update again later. The runtime drains the tasks when it stops
and hands back the unfinished ones.
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
from sqlalchemy.exc import SQLAlchemyError

from telegram_frontend.api.errors import error_response, error_responses
from telegram_frontend.core.logging import get_logger
from telegram_frontend.services.intake.webhook_inbox import StoredUpdate, WebhookInbox

log = get_logger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


class WebhookIntake:
    """Checks the secret, stores accepted updates, hands them to the dispatcher as tasks."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot, secret: str, inbox: WebhookInbox) -> None:
        self.dispatcher = dispatcher
        self.bot = bot
        self.inbox = inbox
        self.repeated = 0
        self._secret = secret.encode()
        self._tasks: dict[asyncio.Task[Any], int] = {}
        self.accepting = True
        self.accepted = 0
        self.refused = 0

    def authentic(self, presented: str | None) -> bool:
        return presented is not None and hmac.compare_digest(presented.encode(), self._secret)

    def parse(self, body: bytes | str) -> Update:
        """The Update in a JSON body, bound to our bot; ValueError when it is not one."""
        return Update.model_validate_json(body, context={"bot": self.bot})

    async def receive(self, body: bytes) -> bool:
        """Store and start handling one update; False when it was here before (a resend).

        Raises ValueError for a body that is not an update, SQLAlchemyError/OSError when the
        inbox cannot be written (then nothing was promised to Telegram).
        """
        update = self.parse(body)
        if not await self.inbox.accept(update.update_id, body.decode()):
            self.repeated += 1
            log.info("webhook_update_repeated", update_id=update.update_id)
            return False
        self._start(update.update_id, update)
        self.accepted += 1
        return True

    def resume(self, stored: StoredUpdate) -> None:
        """Handle an update another replica (or an earlier life of this one) left unfinished."""
        self._start(stored.update_id, stored.payload)

    def _start(self, update_id: int, update: Update | str) -> None:
        task = asyncio.create_task(self._handle(update_id, update), name=f"update-{update_id}")
        self._tasks[task] = update_id
        task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[Any]) -> None:
        self._tasks.pop(task, None)

    async def _handle(self, update_id: int, update: Update | str) -> None:
        try:
            parsed = self.parse(update) if isinstance(update, str) else update
        except ValueError as exc:
            await self.inbox.give_up(update_id, f"stored payload unreadable: {type(exc).__name__}")
            return
        try:
            await self.dispatcher.feed_update(self.bot, parsed, dispatcher=self.dispatcher)
        except asyncio.CancelledError:  # unfinished: its lease runs out, then it is taken over
            self.inbox.abandon(update_id)
            raise
        except Exception as exc:  # the error router answered the user; this is what is left
            log.error("webhook_update_failed", update_id=update_id, error=repr(exc))
        try:  # shielded: a shutdown that cancels us now must not leave a handled update open
            await asyncio.shield(self.inbox.finish(update_id))
        except (SQLAlchemyError, OSError) as exc:  # its lease ends: handled again elsewhere
            log.error("webhook_update_not_marked_done", update_id=update_id, error=repr(exc))

    async def drain(self, grace_seconds: float) -> None:
        """Stop accepting, let updates in progress finish (bounded), cancel the rest."""
        self.accepting = False
        pending = set(self._tasks)
        if not pending:
            return
        _, late = await asyncio.wait(pending, timeout=grace_seconds)
        unfinished = [self._tasks[task] for task in late if task in self._tasks]
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late, timeout=1.0)
        try:
            released = await self.inbox.release(unfinished)
        except (SQLAlchemyError, OSError) as exc:  # their leases run out instead
            log.warning("webhook_release_failed", error=repr(exc))
        else:
            log.info("webhook_updates_released", updates=released)

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
                await self.receive(await request.body())
            except (ValueError, ValidationError):
                return error_response(422, "invalid", "The body is not a Telegram update.")
            except (SQLAlchemyError, OSError) as exc:
                log.error("webhook_inbox_unavailable", error=type(exc).__name__)
                return error_response(503, "unavailable", "Cannot take updates now; retry later.")
            return JSONResponse({"ok": True})

        return router

"""Keeps the webhook inbox honest: renews this replica's leases, takes over a dead one's updates.

Runs in every replica in webhook mode (the leases share the work, like the outbox's). Each round
extends the leases of the updates this replica is handling, then claims rows whose lease ran out
(their replica died, or stopped without finishing them) and hands them to the intake, which
handles them exactly as if Telegram had just posted them. Now and then it purges old settled rows.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError

from telegram_frontend.core.logging import get_logger
from telegram_frontend.services.intake.webhook_inbox import StoredUpdate, WebhookInbox

log = get_logger(__name__)

PURGE_EVERY_S = 60.0


class UpdateIntake(Protocol):
    """The side that handles updates (api/webhook.py's intake)."""

    @property
    def accepting(self) -> bool: ...

    def resume(self, stored: StoredUpdate) -> None: ...


class WebhookTakeover:
    """One round every `interval` seconds (a third of the lease): renew, take over, purge."""

    name = "webhook_takeover"

    def __init__(
        self,
        inbox: WebhookInbox,
        intake: UpdateIntake,
        *,
        interval: float,
        max_in_flight: int = 256,
    ) -> None:
        self.inbox = inbox
        self.intake = intake
        self.interval = interval
        self.max_in_flight = max_in_flight
        self.taken_over = 0
        self._next_purge = time.monotonic() + PURGE_EVERY_S

    async def run(self) -> None:
        while True:
            try:
                await self.round()
            except (SQLAlchemyError, OSError) as exc:  # the database is away: try next round
                log.warning("webhook_takeover_round_failed", error=type(exc).__name__)
            await asyncio.sleep(self.interval)

    async def round(self) -> None:
        await self.inbox.renew()
        room = self.max_in_flight - len(self.inbox.in_flight)
        if self.intake.accepting and room > 0:
            claimed = await self.inbox.claim_expired(room)
            if claimed:  # one line a round: a dead replica may leave hundreds
                ids = [stored.update_id for stored in claimed]
                log.warning("webhook_updates_taken_over", count=len(ids), update_ids=ids[:20])
            for stored in claimed:
                self.taken_over += 1
                self.intake.resume(stored)
        if time.monotonic() >= self._next_purge:
            self._next_purge = time.monotonic() + PURGE_EVERY_S
            await self.inbox.purge()

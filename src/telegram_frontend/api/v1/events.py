"""`POST /api/v1/events`: backends and scripts raise notifications through the outbox.

The caller proves itself with an API key (`Authorization: Bearer`, trader role or higher) or
with the shared secret `EVENTS_HMAC_SECRET`: header `X-Signature: sha256=<hex>`, the
HMAC-SHA256 of the exact request body. An idempotency key (header `Idempotency-Key` or the
`idempotency_key` field) makes a retried post one notification; the answer is 202 with the
outbox ids, the same ids again for a repeated key.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from dishka import AsyncContainer
from dishka.integrations.fastapi import FromDishka
from fastapi import Header, Request, Security
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from telegram_frontend.api.deps import ROLE_ATTRIBUTE, authenticate, bearer
from telegram_frontend.api.v1.common import v1_router
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.errors import PermissionDenied
from telegram_frontend.core.settings import Settings
from telegram_frontend.services.notifications.event_intake import EventIntake, ExternalEvent
from telegram_frontend.services.notifications.types import NoticeType, Severity

router = v1_router("events")

SIGNATURE_PREFIX = "sha256="
HMAC_ACTOR = Actor(role=Role.TRADER, name="events-hmac", via="system")
KEY_PATTERN = r"^[\x21-\x7e]{1,120}$"


class EventIn(BaseModel):
    """What happened, in the sender's words (shown escaped, never as markup)."""

    model_config = ConfigDict(extra="forbid")

    type: NoticeType = Field(NoticeType.SYSTEM, description="Which users' setting applies")
    severity: Severity = Severity.INFO
    title: str = Field("", max_length=200)
    text: str = Field(min_length=1, max_length=3500)
    idempotency_key: str | None = Field(
        None, pattern=KEY_PATTERN, description="Same key twice = one notification"
    )
    thread_key: str | None = Field(
        None, pattern=r"^[\x21-\x7e]{1,80}$", description="Follow-ups reply to the first message"
    )


class EventAccepted(BaseModel):
    key: str = Field(description="The idempotency key the event was recorded under")
    ids: list[int] = Field(description="Outbox rows (one per recipient chat)")
    duplicate: bool = Field(description="True when this key was seen before: nothing new queued")


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


async def event_sender(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)] = None,
    x_signature: Annotated[str | None, Header(max_length=200)] = None,
) -> Actor:
    """An API key with the trader role, or a valid signature of the body."""
    if credentials is not None or request.headers.get("authorization"):
        actor = await authenticate(request, credentials)
        if not actor.role.allows(Role.TRADER):
            raise PermissionDenied(
                f"This needs the trader role; this API key is {actor.role.value}."
            )
        return actor
    if x_signature is None:
        raise _unauthorized(
            "Send an API key as `Authorization: Bearer <key>` or sign the body (X-Signature)."
        )
    container: AsyncContainer = request.state.dishka_container
    secret = (await container.get(Settings)).events_hmac_secret
    if secret is None or not secret.get_secret_value():
        raise _unauthorized("Signed events are not enabled (EVENTS_HMAC_SECRET is not set).")
    expected = hmac.new(
        secret.get_secret_value().encode(), await request.body(), hashlib.sha256
    ).hexdigest()
    given = x_signature.strip().lower().removeprefix(SIGNATURE_PREFIX)
    if not hmac.compare_digest(expected, given):
        raise _unauthorized("The X-Signature does not match the body.")
    return HMAC_ACTOR


setattr(event_sender, ROLE_ATTRIBUTE, Role.TRADER)


@router.post(
    "/events",
    summary="Raise a notification (idempotent per key)",
    status_code=202,
    response_model=EventAccepted,
)
async def post_event(
    event: EventIn,
    sender: Annotated[Actor, Security(event_sender)],
    intake: FromDishka[EventIntake],
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", pattern=KEY_PATTERN)
    ] = None,
) -> EventAccepted:
    accepted = await intake.submit(
        sender,
        ExternalEvent(
            type=event.type,
            severity=event.severity,
            title=event.title,
            text=event.text,
            idempotency_key=idempotency_key or event.idempotency_key,
            thread_key=event.thread_key,
        ),
    )
    return EventAccepted(key=accepted.key, ids=accepted.ids, duplicate=accepted.duplicate)

"""`POST /api/v1/events`: backends and scripts raise notifications through the outbox.

The caller proves itself with an API key (`Authorization: Bearer`, trader role or higher) or
with the shared secret `EVENTS_HMAC_SECRET`: headers `X-Signature-Timestamp: <unix seconds>` and
`X-Signature: sha256=<hex>`, the HMAC-SHA256 of `timestamp + "." + body`, accepted within
`EVENTS_SIGNATURE_WINDOW_SECONDS`. Credentials are checked before the body is read. The
idempotency key is the body's `idempotency_key` (for a signed post, the signature when there is
none); an `Idempotency-Key` header may only repeat it. Each sender has its own rate limit.
The answer is 202 with the outbox ids, the same ids again for a repeated key. Posted under
`/api/v1/deployments/{deployment}/events`, the notification is about that deployment (its
routes, its title on the first line when there are several).
"""

from __future__ import annotations

from typing import Annotated, Any, cast

from dishka import AsyncContainer
from dishka.integrations.fastapi import FromDishka
from fastapi import Header, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.exceptions import HTTPException

from telegram_frontend.api.deps import (
    ROLE_ATTRIBUTE,
    ApiRateLimited,
    NamedDeployment,
    authenticate,
    bearer,
)
from telegram_frontend.api.v1.common import v1_router
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.caching.rate_limiter import RateLimiter
from telegram_frontend.core.errors import PermissionDenied, ValidationFailed
from telegram_frontend.core.settings import Settings
from telegram_frontend.services.deployments.registry import Deployments
from telegram_frontend.services.notifications.event_intake import EventIntake, ExternalEvent
from telegram_frontend.services.notifications.event_signature import (
    SignatureCheck,
    SignatureRefused,
)
from telegram_frontend.services.notifications.types import NoticeType, Severity

router = v1_router("events")

HMAC_ACTOR = Actor(role=Role.TRADER, name="events-hmac", via="system")
KEY_PATTERN = r"^[\x21-\x7e]{1,120}$"
SIGNATURE_STATE = "event_signature"


class EventRateLimiter(RateLimiter):
    """Posts per sender (API key or the shared secret) per minute, apart from other API calls."""


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


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema, `$defs` inlined (the route reads its body itself, after auth)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(
                    {
                        **defs[ref.removeprefix("#/$defs/")],
                        **{k: v for k, v in node.items() if k != "$ref"},
                    }
                )
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return cast(dict[str, Any], resolve(schema))


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


async def event_sender(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)] = None,
    x_signature: Annotated[str | None, Header(max_length=200)] = None,
    x_signature_timestamp: Annotated[str | None, Header(max_length=20)] = None,
) -> Actor:
    """An API key with the trader role, or a fresh valid signature of the timestamp and body."""
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
    settings = await container.get(Settings)
    secret = settings.events_hmac_secret
    if secret is None or not secret.get_secret_value():
        raise _unauthorized("Signed events are not enabled (EVENTS_HMAC_SECRET is not set).")
    check = SignatureCheck(secret.get_secret_value(), settings.events_signature_window_seconds)
    try:
        stamp = check.timestamp(x_signature_timestamp)  # before the body is read
        digest = check.verify(x_signature, stamp, await request.body())
    except SignatureRefused as exc:
        raise _unauthorized(exc.user_message) from None
    setattr(request.state, SIGNATURE_STATE, digest)
    return HMAC_ACTOR


setattr(event_sender, ROLE_ATTRIBUTE, Role.TRADER)


def _parse(raw: bytes) -> EventIn:
    try:
        return EventIn.model_validate_json(raw or b"null")
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from None


def idempotency_key(event: EventIn, header: str | None, signature: str | None) -> str | None:
    """The body's key; a header may only repeat it (or stand alone for an API key's post)."""
    if header is not None and header != (event.idempotency_key or header):
        raise ValidationFailed("The Idempotency-Key header must repeat the body's idempotency_key.")
    if signature is not None:
        if header is not None and event.idempotency_key is None:
            raise ValidationFailed(
                "A signed event carries its idempotency_key in the signed body, not a header."
            )
        return event.idempotency_key or f"sig-{signature[:40]}"
    return event.idempotency_key or header


@router.post(
    "/events",
    summary="Raise a notification (idempotent per key)",
    status_code=202,
    response_model=EventAccepted,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": inline_schema(EventIn)}},
        }
    },
)
async def post_event(
    request: Request,
    sender: Annotated[Actor, Security(event_sender)],
    intake: FromDishka[EventIntake],
    limiter: FromDishka[EventRateLimiter],
    deployments: FromDishka[Deployments],
    deployment: NamedDeployment,
    idempotency_key_header: Annotated[
        str | None, Header(alias="Idempotency-Key", pattern=KEY_PATTERN)
    ] = None,
) -> EventAccepted:
    decision = await limiter.hit(f"events:{sender.label}")
    if not decision.allowed:
        raise ApiRateLimited(decision.retry_after)
    event = _parse(await request.body())
    signature = getattr(request.state, SIGNATURE_STATE, None)
    accepted = await intake.submit(
        sender,
        ExternalEvent(
            type=event.type,
            severity=event.severity,
            title=event.title,
            text=event.text,
            idempotency_key=idempotency_key(event, idempotency_key_header, signature),
            thread_key=event.thread_key,
        ),
        deployments.tag(deployment) if deployment is not None else None,
    )
    return EventAccepted(key=accepted.key, ids=accepted.ids, duplicate=accepted.duplicate)

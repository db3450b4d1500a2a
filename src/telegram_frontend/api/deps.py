"""API authentication: `Authorization: Bearer <key>` becomes an `Actor` with the key's role.

The caller then goes through the very same services as a Telegram user, which check the role
again and write the audit trail with `via="api"`. Order of the gate: a valid, unrevoked key
(else 401 with `WWW-Authenticate: Bearer`), the key's rate limit (else 429 with `Retry-After`),
then the role the route needs (else 403). Routes declare that role with `ViewerActor`,
`TraderActor` or `AdminActor`; `required_role(route)` reads it back for the docs and tests.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from dishka import AsyncContainer
from fastapi import Depends, Request, Security
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException

from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.caching.rate_limiter import RateLimiter
from telegram_frontend.core.errors import PermissionDenied, RateLimited
from telegram_frontend.services.admin.api_keys import ApiKeyService, key_actor

ROLE_ATTRIBUTE = "required_role"

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key made with `tgfront api-key create --role ROLE --name NAME`.",
)


class ApiRateLimiter(RateLimiter):
    """The per-key limiter of the HTTP API (its own budget, apart from Telegram users')."""


class ApiRateLimited(RateLimited):
    """Too many requests with one key; `retry_after` becomes the `Retry-After` header."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many requests with this API key; try again in {retry_after} s.")
        self.retry_after = retry_after


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


async def authenticate(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Actor:
    """The caller's actor, or 401/429; the result is kept on `request.state.actor`."""
    if credentials is None:
        raise _unauthorized("Send an API key as `Authorization: Bearer <key>`.")
    container: AsyncContainer = request.state.dishka_container
    keys = await container.get(ApiKeyService)
    row = await keys.authenticate(credentials.credentials.strip())
    if row is None:
        raise _unauthorized("The API key is unknown or revoked.")
    limiter = await container.get(ApiRateLimiter)
    decision = await limiter.hit(f"api:{row.prefix}")  # random, unlike ids never reused
    if not decision.allowed:
        raise ApiRateLimited(decision.retry_after)
    actor = key_actor(row)
    request.state.actor = actor
    return actor


def api_actor(needed: Role) -> Callable[..., Awaitable[Actor]]:
    """A dependency that admits keys holding at least `needed`."""

    async def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)] = None,
    ) -> Actor:
        actor = await authenticate(request, credentials)
        if not actor.role.allows(needed):
            raise PermissionDenied(
                f"This needs the {needed.value} role; this API key is {actor.role.value}."
            )
        return actor

    setattr(dependency, ROLE_ATTRIBUTE, needed)
    dependency.__name__ = f"api_actor_{needed.value}"
    return dependency


ViewerActor = Annotated[Actor, Depends(api_actor(Role.VIEWER))]
TraderActor = Annotated[Actor, Depends(api_actor(Role.TRADER))]
AdminActor = Annotated[Actor, Depends(api_actor(Role.ADMIN))]


def required_role(route: APIRoute) -> Role | None:
    """The role a route's key must hold; None for a route that takes no API key."""
    found: list[Role] = []
    pending = list(route.dependant.dependencies)
    while pending:
        dependant = pending.pop()
        role = getattr(dependant.call, ROLE_ATTRIBUTE, None)
        if isinstance(role, Role):
            found.append(role)
        pending.extend(dependant.dependencies)
    return max(found, key=lambda r: r.rank) if found else None

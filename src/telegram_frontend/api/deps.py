"""API authentication: `Authorization: Bearer <key>` becomes an `Actor` with the key's role.

The caller then goes through the very same services as a Telegram user, which check the role
again and write the audit trail with `via="api"`. Order of the gate: a valid, unrevoked key
(else 401 with `WWW-Authenticate: Bearer`), the key's rate limit (else 429 with `Retry-After`),
the deployment the path names (else 404), a key limited to other deployments (else 403), then
the role the route needs (else 403). Routes declare that role with `ViewerActor`,
`TraderActor` or `AdminActor`; `required_role(route)` reads it back for the docs and tests.

Every resource is served twice: `/api/v1/...` acts on the default deployment and
`/api/v1/deployments/{deployment}/...` on the named one; `CurrentDeployment` is that deployment
and the actor a route gets is the caller as it stands on it (`Actor.on`).
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
from telegram_frontend.models import ApiKey
from telegram_frontend.services.admin.api_keys import ApiKeyService, check_key_deployment, key_actor
from telegram_frontend.services.deployments.registry import Deployment, Deployments

ROLE_ATTRIBUTE = "required_role"
DEPLOYMENT_PARAM = "deployment"
DEPLOYMENT_STATE = "deployment"
KEY_STATE = "api_key"

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


async def current_deployment(request: Request) -> Deployment:
    """The deployment the path names (`/api/v1/deployments/{deployment}/...`), else the default;
    an unknown name is a 404 that lists the known ones."""
    found = getattr(request.state, DEPLOYMENT_STATE, None)
    if isinstance(found, Deployment):
        return found
    container: AsyncContainer = request.state.dishka_container
    deployments = await container.get(Deployments)
    found = deployments.get(request.path_params.get(DEPLOYMENT_PARAM))
    setattr(request.state, DEPLOYMENT_STATE, found)
    return found


async def named_deployment(request: Request) -> Deployment | None:
    """The deployment the path names; None on the default mount (`/api/v1/...`)."""
    if DEPLOYMENT_PARAM not in request.path_params:
        return None
    return await current_deployment(request)


async def named_deployment_name(request: Request) -> str | None:
    """The name of the deployment the path names; None on the default mount: what services
    take to scope routes and rules to one deployment (None: every one, or the default)."""
    found = await named_deployment(request)
    return found.name if found is not None else None


def caller_key(request: Request) -> ApiKey | None:
    """The API key row of an authenticated request (None for a signed event)."""
    found = getattr(request.state, KEY_STATE, None)
    return found if isinstance(found, ApiKey) else None


CurrentDeployment = Annotated[Deployment, Depends(current_deployment)]
NamedDeployment = Annotated[Deployment | None, Depends(named_deployment)]
DeploymentName = Annotated[str | None, Depends(named_deployment_name)]


async def authenticate(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Actor:
    """The caller's actor on the request's deployment, or 401/429/404/403; the result is kept
    on `request.state.actor` (and its key row on `request.state.api_key`)."""
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
    deployment = await current_deployment(request)
    check_key_deployment(row, deployment.name)
    actor = key_actor(row).on(deployment.name)
    request.state.actor = actor
    setattr(request.state, KEY_STATE, row)
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

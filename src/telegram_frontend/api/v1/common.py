"""What every `/api/v1` module shares: the router factory, the money type, the partial-result note.

Money leaves as a decimal string in plain notation ("1234.5", never 1234.5 as a float, never
"1.2345E+3"), times as ISO 8601 in UTC; the client picks the presentation. Each resource router
is mounted twice (`mounted`): under `/api/v1` for the default deployment and under
`/api/v1/deployments/{deployment}` for a named one; the endpoints are the same functions.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Annotated, Any, Self

from dishka.integrations.fastapi import DishkaRoute
from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, PlainSerializer, WithJsonSchema

from telegram_frontend.api.deps import required_role
from telegram_frontend.api.errors import STANDARD_ERRORS, error_responses
from telegram_frontend.core.availability import Unavailable

PREFIX = "/api/v1"
DEPLOYMENT_PREFIX = PREFIX + "/deployments/{deployment}"
ROLE_EXTENSION = "x-required-role"


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return "0" if text in ("-0", "") else text


Money = Annotated[
    Decimal,
    PlainSerializer(_plain, return_type=str, when_used="json"),
    WithJsonSchema(
        {"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "description": "decimal number"},
        mode="serialization",
    ),
]


class ApiModel(BaseModel):
    """Base of the response models: built from our dataclasses and ORM rows by attribute."""

    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def view(cls, value: Any) -> Self:
        """This model read from the attributes of a dataclass, ORM row or remote model."""
        return cls.model_validate(value, from_attributes=True)

    @classmethod
    def maybe(cls, value: Any) -> Self | None:
        return None if value is None else cls.view(value)


class UnavailableOut(ApiModel):
    """A source that could not contribute to a partial answer."""

    service: str
    detail: str

    @classmethod
    def of(cls, note: Unavailable) -> UnavailableOut:
        return cls(service=note.service, detail=note.sentence)


class V1Route(DishkaRoute):
    """A dishka-injected route that states in its OpenAPI operation the role its key needs.

    It also refuses query parameters it does not declare (422): a mistyped `hour=` must not
    silently fall back to a default.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        role = required_role(self)
        if role is None:
            return
        self.openapi_extra = {**(self.openapi_extra or {}), ROLE_EXTENSION: role.value}
        note = f"Needs an API key with the **{role.value}** role or higher."
        self.description = f"{self.description}\n\n{note}" if self.description else note

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        known = _query_names(self.dependant)

        async def checked(request: Request) -> Response:
            unknown = sorted(set(request.query_params) - known)
            if unknown:
                raise RequestValidationError(
                    [
                        {"loc": ("query", name), "msg": "unknown query parameter", "type": "extra"}
                        for name in unknown
                    ]
                )
            return await handler(request)

        return checked


def _query_names(dependant: Dependant) -> set[str]:
    """Every query parameter a route declares, its dependencies' included."""
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def v1_router(tag: str, *extra_errors: int) -> APIRouter:
    """A resource router whose endpoints get dishka injection and the standard error docs;
    `mounted` puts it under its prefixes."""
    statuses = sorted({400, *STANDARD_ERRORS, *extra_errors})
    return APIRouter(
        tags=[tag],
        route_class=V1Route,
        responses=error_responses(*statuses),
    )


async def deployment_path(
    deployment: Annotated[
        str,
        Path(
            max_length=64,
            description="A deployment's name (`GET /api/v1/deployments` lists them)",
            examples=["testnet"],
        ),
    ],
) -> str:
    """Declares the path's deployment (`api.deps.current_deployment` resolves it)."""
    return deployment


def mounted(resources: list[APIRouter], *, per_deployment: bool = True) -> list[APIRouter]:
    """The resources under `/api/v1` (the default deployment) and, `per_deployment`, again
    under `/api/v1/deployments/{deployment}` (that deployment)."""
    default = APIRouter(prefix=PREFIX)
    for router in resources:
        default.include_router(router)
    if not per_deployment:
        return [default]
    named = APIRouter(prefix=DEPLOYMENT_PREFIX, dependencies=[Depends(deployment_path)])
    for router in resources:
        named.include_router(router)
    return [default, named]

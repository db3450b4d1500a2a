"""`/api/v1/notification-routes`: admins send a notification type to a group chat or topic.

The same `NotificationPreferences` calls as the bot's `/alerts route`. Under `/api/v1` a route
carries the notices of every deployment; under `/api/v1/deployments/{deployment}` it carries that
deployment's only (so one forum group can give each deployment its own topic), the list shows
the routes its notices take, and a DELETE removes only its route.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from dishka.integrations.fastapi import FromDishka
from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

from telegram_frontend.api.deps import AdminActor, DeploymentName
from telegram_frontend.api.v1.common import ApiModel, v1_router
from telegram_frontend.services.notifications.preferences import NotificationPreferences
from telegram_frontend.services.notifications.types import NoticeType

router = v1_router("alerts")

ChatId = Annotated[
    int,
    Path(ge=-(2**63), le=-1, description="A group or channel id (negative)"),
]


class RouteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    thread_id: int | None = Field(
        None, ge=1, le=2**31 - 1, description="A forum topic of the group; null: the group itself"
    )


class RouteOut(ApiModel):
    type: str
    chat_id: int
    thread_id: int | None = None
    deployment: str | None = Field(None, description="Only this deployment's; null: every one")
    created_by: str
    created_at: datetime


@router.get(
    "/notification-routes",
    summary="Where notification types go besides users",
    response_model=list[RouteOut],
)
async def list_routes(
    actor: AdminActor, prefs: FromDishka[NotificationPreferences], deployment: DeploymentName
) -> list[RouteOut]:
    return [RouteOut.view(route) for route in await prefs.routes(actor, deployment)]


@router.put(
    "/notification-routes/{kind}/{chat_id}",
    summary="Send a notification type to a group or topic (audited)",
    response_model=RouteOut,
)
async def set_route(
    kind: NoticeType,
    chat_id: ChatId,
    body: RouteIn,
    actor: AdminActor,
    prefs: FromDishka[NotificationPreferences],
    deployment: DeploymentName,
) -> RouteOut:
    return RouteOut.view(await prefs.set_route(actor, kind, chat_id, body.thread_id, deployment))


@router.delete(
    "/notification-routes/{kind}/{chat_id}",
    summary="Stop sending a notification type to a group (audited)",
    status_code=204,
    response_model=None,
)
async def remove_route(
    kind: NoticeType,
    chat_id: ChatId,
    actor: AdminActor,
    prefs: FromDishka[NotificationPreferences],
    deployment: DeploymentName,
) -> None:
    await prefs.remove_route(actor, kind, chat_id, deployment)

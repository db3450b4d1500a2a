"""`/api/v1/users/{user_id}/alert-rules`: a Telegram user's alert rules, managed by an admin key.

Alert rules belong to a Telegram user (they are delivered to that user's chat), and an API key
is nobody's chat, so a key cannot own rules. An admin key instead manages them for a named user:
the services see that user as the owner and the key as the actor, so `AlertService` applies its
own validation and limits and the audit trail names the key. Users who cannot receive alerts
(pending, blocked) have no rules to manage. Under `/api/v1/deployments/{deployment}` the rules
are those watching that deployment, and a new rule watches it; under `/api/v1` a new rule
watches the default deployment and the list has every rule.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from dishka.integrations.fastapi import FromDishka
from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

from telegram_frontend.api.deps import AdminActor, DeploymentName, NamedDeployment
from telegram_frontend.api.v1.common import ApiModel, Money, v1_router
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.errors import NotFound, ValidationFailed
from telegram_frontend.services.admin.users import UserService
from telegram_frontend.services.deployments.registry import Deployments
from telegram_frontend.services.notifications.alert_rules import AlertService, RuleKind

router = v1_router("alerts")

UserId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The Telegram user id")]
RuleId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class AlertRuleIn(BaseModel):
    """A new rule; `threshold` is a price, a percent or USDT depending on `kind`."""

    model_config = ConfigDict(extra="forbid")

    kind: RuleKind
    target: str = Field(
        min_length=1,
        max_length=64,
        description="A pair (BTCUSDT), a strategy id or a service key; `any` for all",
    )
    threshold: Decimal | None = Field(
        None, description="Not used by service_down; a decimal string avoids float rounding"
    )


class AlertRulePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    active: bool = Field(description="false pauses the rule; true resumes it, armed")


class AlertRuleOut(ApiModel):
    id: int
    user_id: int
    kind: str
    target: str
    threshold: Money | None = None
    deployment: str | None = Field(None, description="Whose figures it watches; null: the default")
    active: bool
    armed: bool
    fired_count: int
    last_fired_at: datetime | None = None
    created_at: datetime


async def acting_for(actor: Actor, user_id: int, users: UserService) -> Actor:
    """The key, acting as the owner of `user_id`'s rules (who must be able to get alerts)."""
    user = await users.get(user_id)
    if user is None:
        raise NotFound(f"There is no user with id {user_id}.")
    if not Role(user.role).allows(Role.VIEWER):
        raise ValidationFailed(f"User {user_id} cannot receive alerts (role {user.role}).")
    return replace(actor, user_id=user.id)


@router.get(
    "/users/{user_id}/alert-rules",
    summary="A user's alert rules",
    response_model=list[AlertRuleOut],
)
async def list_rules(
    user_id: UserId,
    actor: AdminActor,
    users: FromDishka[UserService],
    alerts: FromDishka[AlertService],
    deployments: FromDishka[Deployments],
    deployment: NamedDeployment,
) -> list[AlertRuleOut]:
    owner = await acting_for(actor, user_id, users)
    name = deployment.name if deployment is not None else None
    rules = await alerts.list_rules(owner, name, default=deployment is deployments.default)
    return [AlertRuleOut.view(rule) for rule in rules]


@router.post(
    "/users/{user_id}/alert-rules",
    summary="Add an alert rule for a user (audited)",
    status_code=201,
    response_model=AlertRuleOut,
)
async def add_rule(
    user_id: UserId,
    rule: AlertRuleIn,
    actor: AdminActor,
    users: FromDishka[UserService],
    alerts: FromDishka[AlertService],
    deployment: DeploymentName,
) -> AlertRuleOut:
    owner = await acting_for(actor, user_id, users)
    added = await alerts.add_rule(owner, rule.kind, rule.target, rule.threshold, deployment)
    return AlertRuleOut.view(added)


@router.get(
    "/users/{user_id}/alert-rules/{rule_id}",
    summary="One alert rule of a user",
    response_model=AlertRuleOut,
)
async def get_rule(
    user_id: UserId,
    rule_id: RuleId,
    actor: AdminActor,
    users: FromDishka[UserService],
    alerts: FromDishka[AlertService],
) -> AlertRuleOut:
    owner = await acting_for(actor, user_id, users)
    return AlertRuleOut.view(await alerts.get_rule(owner, rule_id))


@router.patch(
    "/users/{user_id}/alert-rules/{rule_id}",
    summary="Pause or resume an alert rule",
    response_model=AlertRuleOut,
)
async def patch_rule(
    user_id: UserId,
    rule_id: RuleId,
    change: AlertRulePatch,
    actor: AdminActor,
    users: FromDishka[UserService],
    alerts: FromDishka[AlertService],
) -> AlertRuleOut:
    owner = await acting_for(actor, user_id, users)
    return AlertRuleOut.view(await alerts.set_active(owner, rule_id, change.active))


@router.delete(
    "/users/{user_id}/alert-rules/{rule_id}",
    summary="Delete an alert rule (audited)",
    status_code=204,
    response_model=None,
)
async def delete_rule(
    user_id: UserId,
    rule_id: RuleId,
    actor: AdminActor,
    users: FromDishka[UserService],
    alerts: FromDishka[AlertService],
) -> None:
    owner = await acting_for(actor, user_id, users)
    await alerts.delete_rule(owner, rule_id)

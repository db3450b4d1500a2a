"""`/api/v1/deployments`: the trading deployments this frontend serves, each with its status.

Every other resource is also served under `/api/v1/deployments/{deployment}/...` for that
deployment (see `common.mounted`); `/api/v1/...` is the default deployment. A key limited to
some deployments sees only those here and is refused (403) on the others.
"""

from __future__ import annotations

from dishka.integrations.fastapi import FromDishka
from fastapi import Depends, Request
from pydantic import Field

from telegram_frontend.api.deps import CurrentDeployment, ViewerActor, caller_key
from telegram_frontend.api.v1.common import ApiModel, deployment_path, v1_router
from telegram_frontend.core.access import Role, require
from telegram_frontend.services.admin.api_keys import key_allows
from telegram_frontend.services.deployments.registry import Deployments
from telegram_frontend.services.deployments.summary import (
    DeploymentSummary,
    summaries,
    summary_of,
)

router = v1_router("deployments")


class DeploymentOut(ApiModel):
    """A deployment; `status` is its services' overall state (`unknown`: not checked in time)."""

    name: str
    label: str
    emoji: str
    title: str
    environment: str
    default: bool
    status: str
    services_down: list[str] = Field(description="Keys of the services found down")

    @classmethod
    def of(cls, summary: DeploymentSummary) -> DeploymentOut:
        return cls(
            name=summary.name,
            label=summary.label,
            emoji=summary.emoji,
            title=summary.title,
            environment=summary.environment,
            default=summary.default,
            status=summary.overall,
            services_down=list(summary.services_down),
        )


@router.get(
    "/deployments",
    summary="The deployments this frontend serves, with their status",
    response_model=list[DeploymentOut],
)
async def list_deployments(
    request: Request, actor: ViewerActor, deployments: FromDishka[Deployments]
) -> list[DeploymentOut]:
    require(actor, Role.VIEWER)
    key = caller_key(request)
    visible = [d for d in deployments if key is None or key_allows(key, d.name)]
    found = await summaries(visible, deployments.default)
    return [DeploymentOut.of(s) for s in found]


@router.get(
    "/deployments/{deployment}",
    summary="One deployment, with its status",
    response_model=DeploymentOut,
    dependencies=[Depends(deployment_path)],
)
async def get_deployment(
    actor: ViewerActor, deployment: CurrentDeployment, deployments: FromDishka[Deployments]
) -> DeploymentOut:
    require(actor, Role.VIEWER)
    return DeploymentOut.of(await summary_of(deployment, deployment is deployments.default))

"""Every deployment at a glance: who it is and how its services are, for lists of deployments.

Each deployment's status comes from its own (cached) monitoring snapshot, all of them at once and
each within one screen's deadline, so a deployment that is down or slow shows as "unknown"
instead of holding up the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass

from telegram_frontend.core.errors import FrontendError
from telegram_frontend.services.deployments.registry import Deployment, deadline_of
from telegram_frontend.services.monitoring.system_status import ServiceState

UNKNOWN = ServiceState.UNKNOWN.value


@dataclass(frozen=True)
class DeploymentSummary:
    name: str
    label: str
    emoji: str
    title: str
    environment: str
    default: bool
    overall: str  # up, degraded, down, or unknown when it could not be checked in time
    services_down: tuple[str, ...]  # keys of the services found down


async def summary_of(deployment: Deployment, default: bool) -> DeploymentSummary:
    spec = deployment.spec
    overall, down = UNKNOWN, tuple[str, ...]()
    try:
        async with asyncio.timeout(deadline_of(deployment.settings)):
            snapshot = await deployment.monitoring.snapshot()
    except (TimeoutError, FrontendError):
        pass
    else:
        overall = snapshot.overall.value
        down = tuple(s.key for s in snapshot.services if s.state is ServiceState.DOWN)
    return DeploymentSummary(
        name=spec.name,
        label=spec.label,
        emoji=spec.emoji,
        title=spec.title,
        environment=spec.environment.value,
        default=default,
        overall=overall,
        services_down=down,
    )


async def summaries(
    deployments: Iterable[Deployment], default: Deployment
) -> list[DeploymentSummary]:
    """The summaries of `deployments`, in their order, checked side by side."""
    return list(await asyncio.gather(*(summary_of(d, d is default) for d in deployments)))

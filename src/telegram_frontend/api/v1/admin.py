"""`/api/v1` for admins: the audit trail and the API keys (list, revoke).

Keys are created only with `tgfront api-key create` on the server, where the new key can be
shown once to the operator; the API never returns a key, only its public prefix.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from dishka.integrations.fastapi import FromDishka
from fastapi import Path, Query
from pydantic import Field

from telegram_frontend.api.deps import AdminActor
from telegram_frontend.api.v1.common import ApiModel, v1_router
from telegram_frontend.models import AuditLog
from telegram_frontend.services.admin.api_keys import ApiKeyService
from telegram_frontend.services.admin.audit import AuditService
from telegram_frontend.services.deployments.registry import Deployments

router = v1_router("admin")


class AuditEntryOut(ApiModel):
    """One audited action; `actor` is `tg:<user id>`, `api-key:<id>:<name>` or `system:<name>`."""

    id: int
    at: datetime
    actor: str
    action: str
    target: str
    result: str
    details: dict[str, Any]
    message: str
    deployment: str | None = Field(
        None,
        description="Only when the bot serves several deployments: the one the action acted on "
        "(null: none in particular)",
    )

    @classmethod
    def of(cls, row: AuditLog, several: bool) -> AuditEntryOut:
        """The row; `deployment` is set (so shown) only when there are several."""
        fields = {name: getattr(row, name) for name in cls.model_fields if name != "deployment"}
        return cls(**fields, **({"deployment": row.deployment} if several else {}))


class ApiKeyOut(ApiModel):
    """An API key as stored: its public prefix, never the key."""

    id: int
    name: str
    role: str
    prefix: str
    created_by: str
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    deployments: list[str] | None = Field(
        None, description="The only deployments it may use; null: every deployment"
    )


@router.get(
    "/audit",
    summary="The audit trail, newest first",
    response_model=list[AuditEntryOut],
    response_model_exclude_unset=True,
)
async def audit(
    actor: AdminActor,
    service: FromDishka[AuditService],
    deployments: FromDishka[Deployments],
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[AuditEntryOut]:
    rows = await service.recent(actor, limit, offset)
    return [AuditEntryOut.of(row, deployments.several) for row in rows]


@router.get("/api-keys", summary="Every API key", response_model=list[ApiKeyOut])
async def list_keys(
    actor: AdminActor,
    keys: FromDishka[ApiKeyService],
    include_revoked: Annotated[bool, Query(description="Also list revoked keys")] = True,
) -> list[ApiKeyOut]:
    return [ApiKeyOut.view(row) for row in await keys.list_keys(actor, include_revoked)]


@router.delete(
    "/api-keys/{key_id}",
    summary="Revoke an API key (at once; idempotent)",
    response_model=ApiKeyOut,
)
async def revoke_key(
    key_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    actor: AdminActor,
    keys: FromDishka[ApiKeyService],
) -> ApiKeyOut:
    return ApiKeyOut.view(await keys.revoke(actor, key_id))

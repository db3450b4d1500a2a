"""Helpers of the HTTP API tests: one key per role, made as the CLI makes them."""

from __future__ import annotations

from dataclasses import dataclass

from telegram_frontend.core.access import SYSTEM, Role
from telegram_frontend.services.admin.api_keys import ApiKeyService
from tests.e2e.harness import RunningFrontend


@dataclass(frozen=True)
class ApiKeys:
    """One live key per role, one revoked key, and a spare key's id to revoke in tests."""

    viewer: str
    trader: str
    admin: str
    revoked: str
    spare_id: int

    def of(self, role: Role) -> str:
        return {Role.VIEWER: self.viewer, Role.TRADER: self.trader, Role.ADMIN: self.admin}[role]


KEY_ROLES = (Role.VIEWER, Role.TRADER, Role.ADMIN)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def issue_keys(app: RunningFrontend) -> ApiKeys:
    """Keys made through the service, as `tgfront api-key create` makes them."""
    keys = await app.frontend.container.get(ApiKeyService)
    made = {role: await keys.create(SYSTEM, f"{role.value}-key", role) for role in KEY_ROLES}
    revoked = await keys.create(SYSTEM, "old", Role.ADMIN)
    await keys.revoke(SYSTEM, revoked.row.id)
    spare = await keys.create(SYSTEM, "spare", Role.VIEWER)
    return ApiKeys(
        viewer=made[Role.VIEWER].key,
        trader=made[Role.TRADER].key,
        admin=made[Role.ADMIN].key,
        revoked=revoked.key,
        spare_id=spare.row.id,
    )

"""`/api/v1` against the fake trading system and Binance: the same core as the bot.

What is checked is what a client sees (status, body) and what is stored (audit rows naming the
API key, the order really cancelled on the exchange, a revoked key refused at once).
"""

from __future__ import annotations

from decimal import Decimal

import httpx
from sqlalchemy import select

from telegram_frontend.core.access import SYSTEM, Role
from telegram_frontend.core.database import Database
from telegram_frontend.models import AuditLog
from telegram_frontend.sandbox.backends.grid_trader import SEEDED_GRID_ID
from telegram_frontend.services.account.credentials import CredentialsService
from tests.e2e.api.support import ApiKeys, bearer, issue_keys
from tests.e2e.harness import RunningFrontend, World, running_frontend

GRID = f"grid:{SEEDED_GRID_ID}"


async def audit_rows(world: World, action: str) -> list[AuditLog]:
    db = await world.app.frontend.container.get(Database)
    async with db.session() as session:
        rows = await session.scalars(
            select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)
        )
        return list(rows)


async def test_a_trader_key_stops_a_grid_strategy_and_the_audit_names_the_key(
    api_world: World, api_keys: ApiKeys, http: httpx.AsyncClient
) -> None:
    me = (await http.get("/api/v1/me", headers=bearer(api_keys.trader))).json()
    api_world.backends.grid.strategies[SEEDED_GRID_ID].active = True
    path = f"/api/v1/strategies/{GRID}"
    stopped = await http.post(f"{path}/stop", headers=bearer(api_keys.trader))
    assert stopped.status_code == 200
    assert stopped.json()["active"] is False
    listed = await http.get(path, headers=bearer(api_keys.viewer))
    assert listed.json()["active"] is False
    again = await http.post(f"{path}/stop", headers=bearer(api_keys.trader))
    assert again.status_code == 409  # the grid trader's 404 for "already in that state"
    assert again.json()["error"] == "already_in_state"
    assert again.json()["detail"].endswith("is already inactive.")
    row, repeated = await audit_rows(api_world, "strategy.stop")
    assert repeated.result == "noop"
    assert (row.actor, row.target, row.result) == (
        f"api-key:{me['key_id']}:trader-key",
        GRID,
        "ok",
    )


async def test_stopping_a_macd_instance_is_a_409_with_the_reason_and_is_audited(
    api_world: World, api_keys: ApiKeys, http: httpx.AsyncClient
) -> None:
    answer = await http.post(
        "/api/v1/strategies/macd:conservative-btc/stop", headers=bearer(api_keys.admin)
    )
    assert answer.status_code == 409
    assert answer.json()["error"] == "backend_unsupported"
    assert "cannot start or stop a strategy instance" in answer.json()["detail"]
    [row] = await audit_rows(api_world, "strategy.stop")
    assert row.result == "unsupported" and row.actor.startswith("api-key:")


async def test_a_trader_key_cancels_an_open_order_on_binance_and_it_is_audited(
    api_world: World, api_keys: ApiKeys, http: httpx.AsyncClient
) -> None:
    credentials = await api_world.app.frontend.container.get(CredentialsService)
    orders = await credentials.orders_for(SYSTEM)
    placed = await orders.place_order(
        SYSTEM, "BTCUSDT", "BUY", "LIMIT", Decimal("0.001"), Decimal("10000")
    )
    order_id = placed.order.order_id
    listed = await http.get("/api/v1/orders", headers=bearer(api_keys.viewer))
    assert [o["order_id"] for o in listed.json()] == [order_id]
    assert listed.json()[0]["price"] == "10000"

    refused = await http.delete(
        f"/api/v1/orders/BTCUSDT/{order_id}", headers=bearer(api_keys.viewer)
    )
    assert refused.status_code == 403
    cancelled = await http.delete(
        f"/api/v1/orders/BTCUSDT/{order_id}", headers=bearer(api_keys.trader)
    )
    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["is_open"]) == ("CANCELED", False)
    assert (await http.get("/api/v1/orders", headers=bearer(api_keys.viewer))).json() == []
    [row] = await audit_rows(api_world, "order.cancel")
    assert row.result == "ok" and row.actor.endswith(":trader-key")
    again = await http.delete(f"/api/v1/orders/BTCUSDT/{order_id}", headers=bearer(api_keys.trader))
    assert again.status_code == 404 and again.json()["error"] == "not_found"


async def test_an_admin_revokes_a_key_and_it_is_refused_on_its_next_request(
    api_world: World, http: httpx.AsyncClient
) -> None:
    keys = await issue_keys(api_world.app)
    listing = await http.get("/api/v1/api-keys", headers=bearer(keys.admin))
    viewer = next(k for k in listing.json() if k["name"] == "viewer-key")
    assert keys.viewer not in listing.text  # only prefixes are ever listed
    me = await http.get("/api/v1/me", headers=bearer(keys.viewer))
    assert me.status_code == 200
    assert (me.json()["key_id"], me.json()["role"], me.json()["via"]) == (
        viewer["id"],
        "viewer",
        "api",
    )
    revoked = await http.delete(f"/api/v1/api-keys/{viewer['id']}", headers=bearer(keys.admin))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    after = await http.get("/api/v1/me", headers=bearer(keys.viewer))
    assert after.status_code == 401
    audit = await http.get("/api/v1/audit", headers=bearer(keys.admin))
    assert audit.json()[0]["action"] == "api_key.revoke"


async def test_the_openapi_document_is_served_under_the_api_prefix_too(
    app: RunningFrontend,
) -> None:
    async with httpx.AsyncClient(base_url=app.http_base) as http:
        ours = (await http.get("/api/v1/openapi.json")).json()
        assert ours == (await http.get("/openapi.json")).json()
    stop = ours["paths"]["/api/v1/strategies/{strategy_id}/stop"]["post"]
    assert stop["x-required-role"] == "trader"
    assert {"401", "403", "404", "409", "422", "429", "502", "503"} <= set(stop["responses"])
    assert ours["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"


async def test_a_key_over_its_rate_limit_gets_429_in_the_error_shape_with_retry_after(
    settings_env: dict[str, str],
) -> None:
    async with running_frontend({**settings_env, "API_RATE_LIMIT_PER_MINUTE": "2"}) as app:
        keys = await issue_keys(app)
        async with httpx.AsyncClient(base_url=app.http_base) as http:
            statuses = []
            for _ in range(4):
                answer = await http.get("/api/v1/me", headers=bearer(keys.of(Role.VIEWER)))
                statuses.append(answer.status_code)
                if answer.status_code == 429:
                    break
            assert statuses[-1] == 429, statuses
            assert answer.json()["error"] == "rate_limited"
            assert 1 <= int(answer.headers["retry-after"]) <= 60
            other = await http.get("/api/v1/me", headers=bearer(keys.admin))
            assert other.status_code == 200  # the budget is per key


async def test_an_admin_key_manages_a_users_alert_rules_and_the_audit_names_the_key(
    api_world: World, api_keys: ApiKeys, http: httpx.AsyncClient
) -> None:
    owner = await api_world.app.user_with_role(5100, Role.VIEWER)
    other = await api_world.app.user_with_role(5101, Role.VIEWER)
    await api_world.app.user_with_role(5102, Role.PENDING)
    auth = bearer(api_keys.admin)
    rules = f"/api/v1/users/{owner.user_id}/alert-rules"
    body = {"kind": "price_above", "target": "btc/usdt", "threshold": "70000.50"}
    added = await http.post(rules, json=body, headers=auth)
    assert added.status_code == 201
    rule = added.json()
    assert (rule["user_id"], rule["target"], rule["threshold"]) == (
        owner.user_id,
        "BTCUSDT",
        "70000.50",
    )
    assert [r["id"] for r in (await http.get(rules, headers=auth)).json()] == [rule["id"]]

    paused = await http.patch(f"{rules}/{rule['id']}", json={"active": False}, headers=auth)
    assert paused.status_code == 200 and paused.json()["active"] is False
    elsewhere = f"/api/v1/users/{other.user_id}/alert-rules/{rule['id']}"
    assert (await http.get(elsewhere, headers=auth)).status_code == 404  # not that user's rule
    invalid = await http.post(rules, json={**body, "threshold": "-5"}, headers=auth)
    assert invalid.status_code == 422 and "above zero" in invalid.json()["detail"]
    pending = await http.get("/api/v1/users/5102/alert-rules", headers=auth)
    assert pending.status_code == 422
    assert (await http.get("/api/v1/users/5999/alert-rules", headers=auth)).status_code == 404

    assert (await http.delete(f"{rules}/{rule['id']}", headers=auth)).status_code == 204
    assert (await http.get(rules, headers=auth)).json() == []
    me = (await http.get("/api/v1/me", headers=auth)).json()
    added_row, deleted_row = (
        await audit_rows(api_world, "alert.add"),
        await audit_rows(api_world, "alert.delete"),
    )
    assert [r.actor for r in added_row + deleted_row] == [f"api-key:{me['key_id']}:admin-key"] * 2


async def test_an_unknown_query_parameter_is_refused_not_ignored(
    api_keys: ApiKeys, http: httpx.AsyncClient
) -> None:
    """A mistyped `hour=` must not silently answer for the default window."""
    answer = await http.get("/api/v1/signals?hour=3", headers=bearer(api_keys.viewer))
    assert answer.status_code == 422
    assert "hour" in answer.text
    good = await http.get("/api/v1/signals?hours=3", headers=bearer(api_keys.viewer))
    assert good.status_code == 200
    trades = await http.get("/api/v1/trades?limt=5", headers=bearer(api_keys.viewer))
    assert trades.status_code == 422

"""/signals explains why a strategy is not trading (blocked decisions, test-order mode), and an
admin can force an indicator refresh, confirmed and audited; the API serves the same report."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from telegram_frontend.core.access import Role
from telegram_frontend.core.database import Database
from telegram_frontend.models import AuditLog
from tests.e2e.api.support import bearer, issue_keys
from tests.e2e.harness import World, text_of

VIEWER_ID, ADMIN_ID = 61001, 61002
ETH, BTC = "aggressive-eth", "conservative-btc"


def labels(message: object) -> list[str]:
    return [b["text"] for row in getattr(message, "buttons", []) for b in row]


async def audit(world: World, action: str) -> list[tuple[str, str]]:
    db = await world.app.frontend.container.get(Database)
    async with db.session() as session:
        rows = await session.scalars(select(AuditLog).where(AuditLog.action == action))
        return [(r.target, r.result) for r in rows]


async def blocked_buys(world: World) -> None:
    """One executed BUY, then two BUY signals blocked by the open position."""
    for _ in range(3):
        await world.backends.step({ETH: "BUY", BTC: "NEUTRAL"})


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
async def test_a_viewer_sees_blocked_decisions_and_the_diagnosis(world: World) -> None:
    await blocked_buys(world)
    viewer = await world.app.user_with_role(VIEWER_ID, Role.VIEWER)
    [reply] = await viewer.send(f"/signals macd:{ETH}")
    lines = text_of([reply]).split("\n")
    assert lines[0] == f"🧭 Signals of macd:{ETH}"
    assert lines[1] == ("Last 24 h: 3 signals, 1 executed: 2 blocked 'Active position exists'")
    assert lines[2] == "Recent decisions, newest first:"
    assert lines[3].startswith("BUY ") and lines[3].endswith("🚫 blocked: Active position exists")
    assert lines[5].endswith("✅ executed")
    assert "ETHUSDT" in lines[5] and "ETHUSDT 0.00" not in lines[5]  # the market price, not 0
    assert labels(reply) == []  # no refresh button below the admin role


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
async def test_test_order_mode_is_named_as_the_likely_cause(world: World) -> None:
    world.backends.macd.test_order_mode = True
    await world.backends.step({BTC: "BUY", ETH: "NEUTRAL"})
    await world.backends.step({BTC: "BUY", ETH: "NEUTRAL"})
    viewer = await world.app.user_with_role(VIEWER_ID, Role.VIEWER)
    text = text_of(await viewer.send(f"/signals {BTC}"))
    assert text.split("\n")[1] == (
        "Last 24 h: 2 signals, 0 executed: 2 allowed but not filled — test-order mode?"
    )
    assert "⏳ allowed, not filled" in text


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
async def test_an_admin_forces_a_refresh_after_confirming_and_it_is_audited(
    world: World,
) -> None:
    admin = await world.app.user_with_role(ADMIN_ID, Role.ADMIN)
    [reply] = await admin.send(f"/signals macd:{ETH}")
    assert text_of([reply]).split("\n")[1] == (
        "Last 24 h: no decisions logged — is the strategy running?"
    )
    asked = await admin.press("🔄 Refresh indicators")
    [question] = asked.new_messages
    assert question.text == (
        f"⚠️ Force the MACD trader to recompute the indicator of macd:{ETH} now?"
    )
    assert world.backends.macd.refreshes == []  # nothing before the confirmation
    done = await admin.press("✅ Refresh")
    assert done.edited is not None
    assert done.edited.text == "✅ Indicators refreshed: ETHUSDT 1h."
    assert world.backends.macd.refreshes == [("ETHUSDT", "1h")]
    assert await audit(world, "macd.refresh") == [("ETHUSDT 1h", "ok")]


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
async def test_the_api_serves_the_same_report_and_the_refresh_to_admins(world: World) -> None:
    await blocked_buys(world)
    keys = await issue_keys(world.app)
    async with httpx.AsyncClient(base_url=world.app.http_base, timeout=30) as http:
        answer = await http.get(
            f"/api/v1/strategies/macd:{ETH}/signals", headers=bearer(keys.viewer)
        )
        assert answer.status_code == 200
        body = answer.json()
        assert body["diagnosis"]["signals"] == 3
        assert body["diagnosis"]["executed"] == 1
        assert body["diagnosis"]["blocked"] == [{"reason": "Active position exists", "count": 2}]
        assert [d["blocked_reason"] for d in body["decisions"]] == [
            "Active position exists",
            "Active position exists",
            None,
        ]
        assert float(body["decisions"][-1]["price"]) > 0
        refused = await http.post("/api/v1/indicators/refresh", headers=bearer(keys.trader))
        assert refused.status_code == 403
        done = await http.post("/api/v1/indicators/refresh", headers=bearer(keys.admin))
        assert (done.status_code, done.json()) == (200, {"refreshed": "all"})
    assert world.backends.macd.refreshes == [None]

"""`POST /sandbox/faults` breaks a named backend service, so outages can be tried by hand."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from telegram_frontend.core.access import Role
from telegram_frontend.sandbox.world import DEFAULT_PACE_SECONDS, default_config
from tests.e2e.harness import World, text_of


@pytest.fixture
def settings_env(settings_env: dict[str, str]) -> dict[str, str]:
    """No cached snapshot: each /status asks the services again."""
    return {**settings_env, "MONITORING_CACHE_SECONDS": "0", "HTTP_RETRIES": "0"}


async def test_a_backend_taken_down_and_up_through_the_control_api(world: World) -> None:
    viewer = await world.app.user_with_role(73001, Role.VIEWER)
    base = world.sandbox.emulator.base_url
    async with httpx.AsyncClient(base_url=base) as http:
        down = await http.post("/sandbox/faults", json={"service": "grid_trader", "fault": "down"})
        assert down.status_code == 200 and down.json()["up"] is False
        assert "🔴 grid trader: DOWN" in text_of(await viewer.send("/status"))

        up = await http.post("/sandbox/faults", json={"service": "grid_trader", "fault": "up"})
        assert up.json()["up"] is True
        slow = await http.post(
            "/sandbox/faults",
            json={"service": "macd_trader", "fault": "slow", "delay_seconds": 0.2},
        )
        assert slow.json()["delay_seconds"] == 0.2
        error = await http.post(
            "/sandbox/faults", json={"service": "data_storage", "fault": "error"}
        )
        assert error.json()["error_status"] == 500
        text = text_of(await viewer.send("/status"))
        assert "🟢 grid trader: UP" in text
        assert "🔴 data storage: DOWN" in text or "data storage: DEGRADED" in text, text

        unknown = await http.post("/sandbox/faults", json={"service": "nope", "fault": "down"})
        assert unknown.status_code == 400 and "unknown service" in unknown.text


def test_the_sandbox_trades_at_a_lively_pace_by_default(tmp_path: Path) -> None:
    config = default_config(tmp_path)
    assert config.step_seconds == DEFAULT_PACE_SECONDS <= 2.0

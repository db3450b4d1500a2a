"""`POST /sandbox/faults` breaks a named backend service, so outages can be tried by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from telegram_frontend.core.access import Role
from telegram_frontend.sandbox.world import DEFAULT_PACE_SECONDS, default_config
from tests.e2e.harness import World, running_world, text_of


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


@pytest.fixture
def breaker_env(settings_env: dict[str, str]) -> dict[str, str]:
    """One failure opens a breaker, and it stays open for the whole test."""
    return {**settings_env, "BREAKER_FAILURE_THRESHOLD": "1", "BREAKER_RESET_SECONDS": "600"}


@pytest.fixture
async def breaker_world(
    breaker_env: dict[str, str], trading_database_url: str
) -> AsyncIterator[World]:
    async with running_world(breaker_env, trading_database_url) as running:
        yield running


def service_line(text: str, service: str) -> str:
    [line] = [x for x in text.split("\n") if x.split(":")[0].endswith(service)]
    return line


async def test_a_down_service_keeps_its_real_cause_while_its_breaker_is_open(
    breaker_world: World,
) -> None:
    world = breaker_world
    viewer = await world.app.user_with_role(73002, Role.VIEWER)
    async with httpx.AsyncClient(base_url=world.sandbox.emulator.base_url) as http:
        await http.post("/sandbox/faults", json={"service": "data_storage", "fault": "error"})
        await http.post("/sandbox/faults", json={"service": "grid_trader", "fault": "down"})

        first = text_of(await viewer.send("/status"))
        assert service_line(first, "data storage").startswith("🔴 data storage: DOWN — ")
        assert "HTTP 500" in service_line(first, "data storage")
        assert "refused" in service_line(first, "grid trader")

        # Both breakers are open now: nothing is asked, and the screens still say why.
        for command in ("/status", "/health"):
            text = text_of(await viewer.send(command))
            storage, grid = service_line(text, "data storage"), service_line(text, "grid trader")
            assert "HTTP 500" in storage, storage
            assert "the connection was refused" in grid, grid
            for line in (storage, grid):
                assert "circuit open" not in line and "retrying in" not in line, line
        assert "circuit breaker open" in service_line(text, "data storage")  # /health says so

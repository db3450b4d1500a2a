"""Fixtures of the end-to-end tests (see harness.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.e2e.harness import RunningFrontend, running_frontend


@pytest.fixture
async def app(settings_env: dict[str, str]) -> AsyncIterator[RunningFrontend]:
    """The frontend on this test's backend, talking to a fresh emulator."""
    async with running_frontend(settings_env) as running:
        yield running

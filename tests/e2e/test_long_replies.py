"""Answers that would not fit one Telegram message arrive as several valid ones, nothing lost."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from telegram_frontend.core.access import Role
from telegram_frontend.core.formatters import utf16_len
from telegram_frontend.sandbox.telegram.emulator_client import ChatMessage
from telegram_frontend.services.admin.logs import LogService
from tests.e2e.harness import World, running_world

TELEGRAM_LIMIT = 4096


@pytest.fixture
async def world(settings_env: dict[str, str], trading_database_url: str) -> AsyncIterator[World]:
    extra = {"RATE_LIMIT_PER_MINUTE": "1000"}  # the admin's id is shared by every test
    async with running_world(settings_env, trading_database_url, extra_env=extra) as running:
        yield running


def assert_each_fits(messages: list[ChatMessage]) -> None:
    for message in messages:
        assert utf16_len(message.text or "") <= TELEGRAM_LIMIT
        assert message.text  # the emulator parsed it (invalid HTML would have been refused)


async def test_a_logs_page_of_long_records_arrives_as_several_messages(world: World) -> None:
    logs = await world.app.frontend.container.get(LogService)
    now = time.time()
    await logs.store(
        [(now + n, "ERROR", "tests.long", f"record-{n} " + "<é&>" * 900) for n in range(12)]
    )
    admin = await world.app.admin()
    replies = await admin.send("/logs error record", expect=2)
    assert len(replies) >= 3
    assert_each_fits(replies)
    joined = "".join(m.text or "" for m in replies)
    for n in range(2, 12):  # the newest ten
        assert f"record-{n} <é&><é&>" in joined
    assert "record-1 " not in joined
    assert [m.buttons != [] for m in replies] == [False] * (len(replies) - 1) + [True]
    assert [b["text"] for row in replies[-1].buttons for b in row] == ["Next ▶"]

    following = await admin.press("Next ▶")
    assert following.edited is not None and following.edited.buttons == []  # old page: no keys
    page_two = "".join(m.text or "" for m in following.new_messages)
    assert_each_fits(following.new_messages)
    assert "record-1 <é&>" in page_two and "record-0 <é&>" in page_two
    assert [b["text"] for row in following.new_messages[-1].buttons for b in row] == ["◀ Prev"]


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
async def test_many_strategies_page_in_place_and_a_long_ranking_is_split(world: World) -> None:
    for n in range(40):
        world.backends.grid.add(
            symbol="ETHUSDT",
            interval="1h",
            lower=Decimal(2000),
            upper=Decimal(3000),
            levels=4,
            base_order_size=Decimal("0.01"),
            daily_loss_limit_pct=None,
            max_position_size_quote=None,
            active=n % 2 == 0,
        )
    viewer = await world.app.user_with_role(901, Role.VIEWER)
    [listing] = await viewer.send("/strategy")
    assert (listing.text or "").split("\n")[0] == "Strategies (43) — page 1 of 6"
    assert [b["text"] for b in listing.buttons[-1]] == ["1/6", "Next ▶"]
    second = await viewer.press("Next ▶")
    assert second.edited is not None and second.new_messages == []
    assert (second.edited.text or "").split("\n")[0] == "Strategies (43) — page 2 of 6"
    assert [b["text"] for b in second.edited.buttons[-1]] == ["◀ Prev", "2/6", "Next ▶"]

    db = world.backends.db
    assert db is not None
    at = datetime.now(UTC) - timedelta(hours=1)
    for n in range(160):
        await db.insert_snapshot(f"instance-{n:03d}-with-a-long-name", at, Decimal(10_000 + n))
    replies = await viewer.send("/performance all", expect=2)
    assert len(replies) >= 2
    assert_each_fits(replies)
    joined = "\n".join(m.text or "" for m in replies)
    assert joined.count("instance-") == 160
    assert [b["text"] for row in replies[-1].buttons for b in row][:4] == [
        "24h",
        "7d",
        "30d",
        "• All",
    ]

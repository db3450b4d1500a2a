"""Two deployments in one chat: /status shows both, a command asks which one, the pick sticks."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from telegram_frontend.core.access import Role
from telegram_frontend.core.database import Database
from telegram_frontend.models import User
from telegram_frontend.services.deployments.registry import Deployments
from telegram_frontend.services.monitoring.system_status import ServiceState
from tests.e2e.harness import World, running_world, text_of, wait_for

VIEWER_ID = 811
SLOW_S = 15.0
KNOWN = "Known: testnet, mainnet."


def lines(text: str | None) -> list[str]:
    return (text or "").split("\n")


def labels(message: object) -> list[str]:
    return [b["text"] for row in getattr(message, "buttons", []) for b in row]


async def remembered(world: World, user_id: int) -> str | None:
    db = await world.app.frontend.container.get(Database)
    async with db.session() as session:
        return await session.scalar(select(User.deployment).where(User.id == user_id))


async def test_status_shows_one_block_per_deployment_or_the_one_named(two_worlds: World) -> None:
    viewer = await two_worlds.app.user_with_role(VIEWER_ID, Role.VIEWER)
    screen = text_of(await viewer.send("/status"))
    first, *rest = lines(screen)
    assert first == "🟢 🧪 Testnet — all services up"
    assert "🟢 💰 Mainnet — all services up" in rest
    assert screen.count("Services") == 2 and screen.count("Trading") == 2
    assert labels(viewer.last[-1]) == ["🔄 Refresh"]
    assert await remembered(two_worlds, VIEWER_ID) is None  # /status alone chooses nothing

    refreshed = await viewer.press("🔄 Refresh")
    assert refreshed.answer.text in ("Updated", "Up to date")

    only = text_of(await viewer.send("/status mainnet"))
    assert lines(only)[0] == "🟢 💰 Mainnet — all services up"
    assert "Testnet" not in only
    assert await remembered(two_worlds, VIEWER_ID) == "mainnet"  # a name given is remembered

    wrong = text_of(await viewer.send("/status moon"))
    assert wrong == f"❌ There is no deployment called “moon”. {KNOWN}"


async def test_mainnet_down_leaves_the_testnet_block_normal(two_worlds: World) -> None:
    mainnet = two_worlds.sandbox.mainnet
    assert mainnet is not None
    for service in ("macd_trader", "grid_trader", "data_storage", "data_collection"):
        await mainnet.backends.go_down(service)
    deployments = await two_worlds.app.frontend.container.get(Deployments)

    async def mainnet_seen_down() -> bool:
        # The health watcher took a snapshot at start; /status shares it for its few seconds.
        snapshot = await deployments.get("mainnet").monitoring.snapshot()
        return snapshot.service("macd_trader").state is ServiceState.DOWN

    await wait_for(mainnet_seen_down, timeout=20, what="mainnet's snapshot to see it down")
    viewer = await two_worlds.app.user_with_role(VIEWER_ID, Role.VIEWER)
    screen = lines(text_of(await viewer.send("/status", timeout=30)))
    assert screen[0] == "🟢 🧪 Testnet — all services up"
    mainnet_head = next(line for line in screen if "💰 Mainnet" in line)
    assert mainnet_head.startswith("🔴 💰 Mainnet — problems: MACD trader")
    testnet_part = screen[: screen.index(mainnet_head)]
    assert not [line for line in testnet_part if "DOWN" in line]
    assert [line for line in screen[screen.index(mainnet_head) :] if "MACD trader: DOWN" in line]


async def test_a_command_without_a_deployment_asks_and_remembers_the_pick(
    two_worlds: World,
) -> None:
    viewer = await two_worlds.app.user_with_role(VIEWER_ID, Role.VIEWER)
    [picker] = await viewer.send("/strategy")
    assert lines(picker.text)[0].startswith("🧭 Which deployment?")
    assert labels(picker) == ["🧪 Testnet", "💰 Mainnet"]
    assert await remembered(two_worlds, VIEWER_ID) is None

    picked = await viewer.press("💰 Mainnet")
    assert picked.answer.text == "Remembered"
    assert picked.edited is not None
    assert picked.edited.text == "✅ You work on 💰 Mainnet from now on."
    assert await remembered(two_worlds, VIEWER_ID) == "mainnet"
    listing = [m for m in picked.new_messages if m.message_id != picker.message_id]
    assert listing, "the command that waited for the pick runs on the chosen deployment"
    assert lines(listing[0].text)[:2] == ["💰 Mainnet", "Strategies (3)"]

    again = await viewer.send("/strategy")  # no picker any more: the remembered one
    assert lines(again[0].text)[:2] == ["💰 Mainnet", "Strategies (3)"]
    opened = await viewer.press("🟢 MACD Conservative BTC")
    assert opened.edited is not None
    assert lines(opened.edited.text)[0] == "💰 Mainnet"  # the card is the mainnet one

    other = await viewer.send("/strategy testnet")  # named: this once, and remembered
    assert lines(other[0].text)[0] == "🧪 Testnet"
    assert await remembered(two_worlds, VIEWER_ID) == "testnet"

    shown = await viewer.send("/deployment")
    assert lines(shown[0].text)[0] == "🧭 You work on 🧪 Testnet."
    assert labels(shown[0]) == ["• 🧪 Testnet", "💰 Mainnet"]
    switched = await viewer.press("💰 Mainnet")
    assert switched.edited is not None
    assert switched.edited.text == "✅ You work on 💰 Mainnet from now on."
    assert await remembered(two_worlds, VIEWER_ID) == "mainnet"

    unknown = text_of(await viewer.send("/deployment moon"))
    assert unknown == f"❌ There is no deployment called “moon”. {KNOWN}"


async def test_help_names_the_deployment_argument_and_the_deployment_command(
    two_worlds: World,
) -> None:
    viewer = await two_worlds.app.user_with_role(VIEWER_ID, Role.VIEWER)
    help_text = text_of(await viewer.send("/help"))
    assert "/strategy [deployment] [id] — Strategies: cards, start and stop" in help_text
    assert "/status [deployment] — System overview: services, data, trading" in help_text
    assert "/deployment [name] — The deployment you work on; switch to another" in help_text
    assert "Deployments: testnet, mainnet. Name one first to act on it" in help_text


async def test_with_one_deployment_help_has_no_deployment_words(world: World) -> None:
    viewer = await world.app.user_with_role(VIEWER_ID, Role.VIEWER)
    help_text = text_of(await viewer.send("/help"))
    assert "deployment" not in help_text.lower()
    assert "/strategy [id] — Strategies: cards, start and stop" in help_text
    status = text_of(await viewer.send("/status"))
    assert lines(status)[0] == "🟢 System status — all services up"


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
async def test_a_slow_deployment_does_not_hold_the_other_beyond_the_deadline(
    settings_env: dict[str, str],
    trading_database_url: str,
    mainnet_trading_database_url: str,
    tmp_path: Path,
) -> None:
    quick = {"HTTP_CONNECT_TIMEOUT": "1", "HTTP_READ_TIMEOUT": "1"}  # a 3 s source deadline
    async with running_world(
        settings_env,
        trading_database_url,
        extra_env=quick,
        mainnet_trading_database_url=mainnet_trading_database_url,
        deployments_file=tmp_path / "deployments.toml",
    ) as world:
        mainnet = world.sandbox.mainnet
        assert mainnet is not None
        for service in ("macd_trader", "grid_trader", "data_storage", "data_collection"):
            await mainnet.backends.apply_fault(service, "slow", SLOW_S)
        viewer = await world.app.user_with_role(VIEWER_ID, Role.VIEWER)
        # Answered well before the slow services would have answered (the harness times out).
        screen = lines(text_of(await viewer.send("/status", timeout=SLOW_S - 3)))
        assert screen[0] == "🟢 🧪 Testnet — all services up"
        mainnet_head = next(line for line in screen if "💰 Mainnet" in line)
        assert not mainnet_head.startswith("🟢")
        for service in ("macd_trader", "grid_trader", "data_storage", "data_collection"):
            await mainnet.backends.apply_fault(service, "clear")

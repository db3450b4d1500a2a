"""A deployment named in a command is remembered only when the command may run there: a refused
command leaves the user's next plain commands where they went before."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.database import Database
from telegram_frontend.models import User
from telegram_frontend.services.admin.deployment_access import DeploymentAccess
from tests.e2e.harness import ADMIN_ID, World, text_of

TRADER_ID, NEWCOMER_ID = 831, 832
REFUSED = "This needs the trader role; you are viewer."


@pytest.fixture
def settings_env(settings_env: dict[str, str]) -> dict[str, str]:
    return {**settings_env, "RATE_LIMIT_PER_MINUTE": "1000"}


async def remembered(world: World, user_id: int) -> str | None:
    db = await world.app.frontend.container.get(Database)
    async with db.session() as session:
        return await session.scalar(select(User.deployment).where(User.id == user_id))


async def viewer_on_mainnet(world: World, user_id: int) -> None:
    access = await world.app.frontend.container.get(DeploymentAccess)
    admin = Actor(role=Role.ADMIN, user_id=ADMIN_ID, name="setup")
    await access.grant(admin, user_id, "mainnet", Role.VIEWER)


async def test_a_refused_command_does_not_move_the_remembered_deployment(
    two_worlds: World,
) -> None:
    trader = await two_worlds.app.user_with_role(TRADER_ID, Role.TRADER)
    await viewer_on_mainnet(two_worlds, TRADER_ID)
    first = await trader.send("/strategy testnet")
    assert (first[0].text or "").split("\n")[0] == "🧪 Testnet"
    assert await remembered(two_worlds, TRADER_ID) == "testnet"

    assert text_of(await trader.send("/panic mainnet")) == REFUSED
    assert text_of(await trader.send("/order mainnet buy BTCUSDT 0.001")) == REFUSED
    assert await remembered(two_worlds, TRADER_ID) == "testnet"
    plain = await trader.send("/strategy")  # where it went before the refused commands
    assert (plain[0].text or "").split("\n")[:2] == ["🧪 Testnet", "Strategies (3)"]

    # a command the role on mainnet allows is remembered as before
    allowed = await trader.send("/strategy mainnet")
    assert (allowed[0].text or "").split("\n")[0] == "💰 Mainnet"
    assert await remembered(two_worlds, TRADER_ID) == "mainnet"


async def test_a_refused_command_chooses_nothing_for_a_user_who_had_no_choice(
    two_worlds: World,
) -> None:
    trader = await two_worlds.app.user_with_role(NEWCOMER_ID, Role.TRADER)
    await viewer_on_mainnet(two_worlds, NEWCOMER_ID)
    assert text_of(await trader.send("/panic mainnet")) == REFUSED
    assert await remembered(two_worlds, NEWCOMER_ID) is None
    [picker] = await trader.send("/strategy")  # still asked, not sent to mainnet
    assert (picker.text or "").startswith("🧭 Which deployment?")

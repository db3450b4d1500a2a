"""Naming a deployment: the command keeps its own arguments; /help shows the argument only
when there are several deployments; the gate's role is the best one held anywhere."""

from __future__ import annotations

from telegram_frontend.bot.ui.command_catalog import CatalogEntry, CommandInfo, visible_to
from telegram_frontend.bot.ui.deployment_picker import with_deployment
from telegram_frontend.core.access import Actor, Role

STRATEGY = CatalogEntry(CommandInfo("strategy", "Strategies", "[id]"), Role.VIEWER, scoped=True)
ORDER = CatalogEntry(CommandInfo("order", "Order", "buy|sell"), Role.TRADER, scoped=True)
USERS = CatalogEntry(CommandInfo("users", "Users"), Role.ADMIN)
SWITCH = CatalogEntry(CommandInfo("deployment", "Switch", "[name]", several_only=True), Role.VIEWER)
ENTRIES = [STRATEGY, ORDER, USERS, SWITCH]


def test_the_picked_deployment_goes_before_the_commands_own_arguments() -> None:
    assert with_deployment("/strategy", "mainnet") == "/strategy mainnet"
    assert with_deployment("/strategy  macd:x ", "mainnet") == "/strategy mainnet macd:x"
    assert with_deployment("/order buy BTCUSDT 1", "testnet") == "/order testnet buy BTCUSDT 1"


def test_one_deployment_lists_commands_exactly_as_before() -> None:
    shown = visible_to(ENTRIES, Role.VIEWER)
    assert [(c.name, c.usage) for c in shown] == [("strategy", "[id]")]


def test_several_deployments_name_the_argument_and_the_switch() -> None:
    shown = visible_to(ENTRIES, Role.VIEWER, several=True)
    assert [(c.name, c.usage) for c in shown] == [
        ("strategy", "[deployment] [id]"),
        ("deployment", "[name]"),
    ]


def test_a_role_held_on_one_deployment_lists_only_the_deployment_commands() -> None:
    shown = visible_to(ENTRIES, Role.VIEWER, scoped_role=Role.ADMIN, several=True)
    assert [c.name for c in shown] == ["strategy", "order", "deployment"]  # not /users


def test_a_grant_lowers_or_raises_the_role_on_its_deployment_only() -> None:
    actor = Actor(
        role=Role.TRADER,
        user_id=1,
        deployment_roles=(("mainnet", Role.VIEWER),),
    )
    assert actor.on("mainnet").role is Role.VIEWER
    assert actor.on("testnet").role is Role.TRADER

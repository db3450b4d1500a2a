"""How notices name their deployment, and the admin's route arguments with a deployment."""

from __future__ import annotations

import pytest

from telegram_frontend.core.deployments import (
    DEFAULT_NAME,
    DeploymentsConfig,
    DeploymentSpec,
    Environment,
)
from telegram_frontend.core.errors import NotFound, ValidationFailed
from telegram_frontend.services.notifications.deployment_tags import DeploymentTag
from telegram_frontend.services.notifications.preferences import RouteRequest, parse_route
from telegram_frontend.services.notifications.types import Audience, Notice, NoticeType
from telegram_frontend.services.notifications.worker_state import scoped_key

TRADE = Notice(
    type=NoticeType.TRADES,
    key="trade:1",
    render=lambda _audience: "🟢 <b>Trade executed</b>",
    thread_key="order:o-1",
)
CONFIG = DeploymentsConfig(
    (
        DeploymentSpec(name="testnet", label="Testnet", environment=Environment.TESTNET),
        DeploymentSpec(name="mainnet", label="Main <net>", environment=Environment.MAINNET),
    ),
    "testnet",
    from_file=True,
)


def test_with_one_deployment_a_notice_keeps_its_words_and_keys() -> None:
    tagged = DeploymentTag(DEFAULT_NAME, "Default", shown=False).apply(TRADE)
    assert tagged.deployment == DEFAULT_NAME
    assert (tagged.key, tagged.thread_key) == ("trade:1", "order:o-1")
    assert tagged.render(Audience()) == "🟢 <b>Trade executed</b>"


def test_with_several_the_first_line_names_the_deployment_and_the_keys_carry_it() -> None:
    tag = DeploymentTag("mainnet", "💰 Main <net>", shown=True)
    tagged = tag.apply(TRADE)
    assert tagged.deployment == "mainnet"
    assert (tagged.key, tagged.thread_key) == ("mainnet:trade:1", "mainnet:order:o-1")
    assert tagged.render(Audience()) == "<b>💰 Main &lt;net&gt;</b>\n🟢 <b>Trade executed</b>"
    assert tag.apply(tagged) is tagged  # tagging twice changes nothing


def test_the_default_deployment_keeps_the_state_keys_it_had() -> None:
    assert scoped_key("trade_poller.cursor", DEFAULT_NAME) == "trade_poller.cursor"
    assert scoped_key("trade_poller.cursor", "mainnet") == "trade_poller.cursor@mainnet"


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("route trades -100 7", RouteRequest(NoticeType.TRADES, -100, 7, None, False)),
        ("route risk -100 Mainnet", RouteRequest(NoticeType.RISK, -100, None, "mainnet", False)),
        ("route risk -100 7 testnet", RouteRequest(NoticeType.RISK, -100, 7, "testnet", False)),
        ("unroute risk -100", RouteRequest(NoticeType.RISK, -100, None, None, True)),
        ("unroute risk -100 mainnet", RouteRequest(NoticeType.RISK, -100, None, "mainnet", True)),
    ],
)
def test_route_arguments_may_end_with_a_deployment(words: str, expected: RouteRequest) -> None:
    assert parse_route(words.split(), CONFIG) == expected


def test_bad_route_arguments_are_explained() -> None:
    with pytest.raises(NotFound, match="There is no deployment called “staging”"):
        parse_route(["route", "risk", "-100", "staging"], CONFIG)
    for words in ("route risk", "route risk -100 1 2", "route risk chat", "mute risk -1"):
        with pytest.raises(ValidationFailed, match="Usage: /alerts route TYPE CHAT_ID"):
            parse_route(words.split(), CONFIG)

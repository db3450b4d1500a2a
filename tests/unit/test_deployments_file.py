"""The deployments file: good files give each deployment its own settings; bad ones say why."""

from __future__ import annotations

from pathlib import Path

import pytest

from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.deployments import (
    DeploymentsError,
    Environment,
    load_deployments,
    read_deployments_file,
    settings_for,
)
from telegram_frontend.core.settings import Settings

GOOD = """
default = "mainnet"

[deployments.testnet]
label = "Testnet"
emoji = "🧪"
environment = "testnet"
macd_trader_url = "http://testnet-macd:8083"
macd_trader_api_key = "${TN_MACD_KEY}"
trading_database_url = "postgresql://reader@testnet-db/trading"

[deployments.mainnet]
label = "Mainnet"
environment = "mainnet"
macd_trader_url = "http://mainnet-macd:8083"
binance_api_key = "mk"
binance_api_secret = "ms"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "deployments.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_each_deployment_gets_its_own_services_and_keys(tmp_path: Path) -> None:
    config = read_deployments_file(write(tmp_path, GOOD), {"TN_MACD_KEY": "tn-secret"})
    assert [s.name for s in config.specs] == ["testnet", "mainnet"]
    assert config.default == "mainnet" and config.several
    testnet, mainnet = config.specs
    assert testnet.title == "🧪 Testnet" and mainnet.title == "Mainnet"
    assert mainnet.environment is Environment.MAINNET and mainnet.is_mainnet
    base = Settings(_env_file=None, macd_trader_url="http://old:1", grafana_url="http://g")
    assert base.binance_url.endswith("testnet.binance.vision")  # cached on the base
    tn, mn = settings_for(base, testnet), settings_for(base, mainnet)
    assert tn.macd_trader_url == "http://testnet-macd:8083"
    assert tn.macd_trader_api_key is not None
    assert tn.macd_trader_api_key.get_secret_value() == "tn-secret"
    assert mn.macd_trader_url == "http://mainnet-macd:8083"
    assert mn.trading_database_url is None  # not inherited from another deployment
    assert mn.grafana_url is None
    assert tn.binance_testnet and not mn.binance_testnet
    assert mn.binance_url == "https://api.binance.com"
    assert tn.deployment_environment == "testnet" and mn.deployment_environment == "mainnet"
    assert "tn-secret" in config.secret_values() and "ms" in config.secret_values()


def test_no_file_means_one_default_deployment_from_the_settings() -> None:
    settings = Settings(_env_file=None, macd_trader_url="http://macd:1", binance_testnet=False)
    config = load_deployments(settings)
    assert not config.from_file and not config.several
    (only,) = config.specs
    assert only.name == config.default == "default"
    assert only.environment is Environment.MAINNET
    derived = settings_for(settings, only)
    assert derived.macd_trader_url == "http://macd:1"
    assert derived.deployment_environment == settings.deployment_environment


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[deployments.x]\nlabel = 'X'\n", ["deployments.x.environment: Field required"]),
        (
            "[deployments.Bad_Name]\nlabel = 'X'\nenvironment = 'testnet'\n",
            ["deployments.name: String should match pattern"],
        ),
        (
            "[deployments.x]\nlabel = 'X'\nenvironment = 'prod'\n",
            ["deployments.x.environment: Input should be 'testnet' or 'mainnet'"],
        ),
        (
            "[deployments.x]\nlabel = 'X'\nenvironment = 'testnet'\nmacd_url = 'http://a'\n",
            ["deployments.x.macd_url: Extra inputs are not permitted"],
        ),
        (
            "[deployments.x]\nlabel = 'X'\nenvironment = 'testnet'\n"
            "macd_trader_api_key = '${NOPE}'\n",
            ["deployments.x.macd_trader_api_key: environment variable NOPE is not set"],
        ),
        ("default = 'y'\n[deployments.x]\nlabel = 'X'\nenvironment = 'testnet'\n", ["default y"]),
        ("title = 'x'\n", ["unknown top-level keys title", "no [deployments.<name>] table"]),
        ("[deployments\n", ["not valid TOML"]),
    ],
)
def test_a_bad_file_names_every_problem_on_its_own_line(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    with pytest.raises(DeploymentsError) as caught:
        read_deployments_file(write(tmp_path, text), {})
    problems = caught.value.problems
    assert len(problems) == len(expected)
    for line, part in zip(problems, expected, strict=True):
        assert line.startswith("DEPLOYMENTS_FILE ") and part in line


def test_two_bad_entries_give_two_lines(tmp_path: Path) -> None:
    text = "[deployments.a]\nlabel = 'A'\n[deployments.b]\nenvironment = 'mainnet'\n"
    with pytest.raises(DeploymentsError) as caught:
        read_deployments_file(write(tmp_path, text), {})
    assert len(caught.value.problems) == 2


def test_a_missing_file_is_a_clear_problem(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, deployments_file=str(tmp_path / "absent.toml"))
    with pytest.raises(DeploymentsError) as caught:
        load_deployments(settings)
    assert "cannot be read" in caught.value.problems[0]


def test_an_actor_holds_the_role_granted_on_each_deployment() -> None:
    trader = Actor(role=Role.TRADER, user_id=5, deployment_roles=(("mainnet", Role.VIEWER),))
    assert trader.on("mainnet").role is Role.VIEWER
    assert trader.on("testnet").role is Role.TRADER
    viewer = Actor(role=Role.VIEWER, user_id=6, deployment_roles=(("testnet", Role.TRADER),))
    assert viewer.on("testnet").role is Role.TRADER
    blocked = Actor(role=Role.BLOCKED, user_id=7, deployment_roles=(("testnet", Role.ADMIN),))
    assert blocked.on("testnet").role is Role.BLOCKED


def test_the_documented_example_file_is_valid() -> None:
    example = Path(__file__).resolve().parents[2] / "docs" / "deployments.example.toml"
    names = ("TESTNET", "MAINNET")
    parts = ("MACD_KEY", "DB_PASSWORD", "BINANCE_KEY", "BINANCE_SECRET")
    environ = {f"{n}_{p}": "x" for n in names for p in parts}
    config = read_deployments_file(example, environ)
    assert [s.name for s in config.specs] == ["testnet", "mainnet"]
    assert config.specs[1].is_mainnet and not config.specs[1].binance_allow_mainnet_orders

"""The commands with a deployments file: a bad file stops `run`, `doctor` and `api-key` with exit
code 2 and one line per problem; every deployment's secrets are redacted from the logs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

MAINNET_SECRET = "mainnetSECRETvalue0123456789abcdef"
BAD_FILE = """
[deployments.testnet]
label = "Testnet"
environment = "testnet"

[deployments.Mainnet]
label = "Mainnet"
environment = "production"
macd_trader_api_key = "${MAINNET_MACD_KEY}"
"""
GOOD_FILE = f"""
[deployments.testnet]
label = "Testnet"
environment = "testnet"

[deployments.mainnet]
label = "Mainnet"
environment = "mainnet"
binance_api_key = "mainnetKEY0123456789"
binance_api_secret = "{MAINNET_SECRET}"
"""


def _tgfront(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    return subprocess.run(
        [sys.executable, "-m", "telegram_frontend.main", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**keep, **env},
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "command", [("run",), ("doctor",), ("api-key", "create", "--role", "viewer", "--name", "x")]
)
def test_a_bad_deployments_file_exits_2_with_one_line_per_problem(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    path = tmp_path / "deployments.toml"
    path.write_text(BAD_FILE, encoding="utf-8")
    done = _tgfront(
        tmp_path,
        *command,
        DEPLOYMENTS_FILE=str(path),
        TELEGRAM_BOT_TOKEN="123:abc",
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'f.db'}",
    )
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    where = f"configuration error: DEPLOYMENTS_FILE {path}: deployments."
    assert lines == [
        f"{where}Mainnet.macd_trader_api_key: environment variable MAINNET_MACD_KEY is not set",
        f"{where}name: String should match pattern '^[a-z][a-z0-9_-]{{0,23}}$'",
        f"{where}Mainnet.environment: Input should be 'testnet' or 'mainnet'",
    ], done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_every_deployments_secrets_are_redacted_from_the_logs(tmp_path: Path) -> None:
    path = tmp_path / "deployments.toml"
    path.write_text(GOOD_FILE, encoding="utf-8")
    script = (
        "from telegram_frontend.cli.run import setup_logging\n"
        "from telegram_frontend.core.deployments import load_deployments_or_exit\n"
        "from telegram_frontend.core.logging import get_logger\n"
        "from telegram_frontend.core.settings import load_settings\n"
        "settings = load_settings()\n"
        "setup_logging(settings, load_deployments_or_exit(settings))\n"
        f"get_logger('t').warning('leak', detail='key={MAINNET_SECRET}')\n"
    )
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**keep, "DEPLOYMENTS_FILE": str(path)},
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert '"event": "leak"' in done.stderr
    assert MAINNET_SECRET not in done.stderr


def test_an_api_key_limited_to_a_deployment_is_made_and_listed_as_such(tmp_path: Path) -> None:
    path = tmp_path / "deployments.toml"
    path.write_text(GOOD_FILE, encoding="utf-8")
    env = {
        "DEPLOYMENTS_FILE": str(path),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'f.db'}",
        "LOG_LEVEL": "WARNING",
    }
    create = ("api-key", "create", "--role", "trader", "--name", "ci")
    made = _tgfront(tmp_path, *create, "--deployment", "Testnet", **env)
    assert made.returncode == 0, made.stderr
    assert "role trader on testnet only" in made.stderr
    listing = _tgfront(tmp_path, "api-key", "list", **env)
    [row] = [line for line in listing.stdout.splitlines() if " ci " in line]
    assert " testnet " in row and row.rstrip().endswith("active")
    refused = _tgfront(tmp_path, *create, "--deployment", "staging", **env)
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "error: There is no deployment called “staging”. Known: testnet, mainnet."
    )

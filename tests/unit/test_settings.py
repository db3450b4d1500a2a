"""Settings: defaults, parsing, and one readable line (exit 2) per bad value."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from telegram_frontend.core.settings import DEFAULT_DATABASE_URL, Settings


@pytest.mark.usefixtures("clean_env")
def test_defaults_are_the_embedded_setup() -> None:
    settings = Settings()
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.redis_url is None
    assert settings.binance_testnet is True
    assert settings.http_port == 8000
    assert settings.telegram_mode == "polling"


@pytest.mark.usefixtures("clean_env")
def test_postgres_url_alias_gets_the_async_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/x")
    monkeypatch.setenv("ADMIN_USER_IDS", "11, 22;33")
    settings = Settings()
    assert settings.database_url == "postgresql+asyncpg://postgres@127.0.0.1:5432/x"
    assert settings.admin_user_ids == [11, 22, 33]


@pytest.mark.usefixtures("clean_env")
def test_secrets_are_hidden_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:SECRET-TOKEN-VALUE-abcdefghijklmnopq")
    settings = Settings()
    assert "SECRET-TOKEN" not in repr(settings)
    assert "SECRET-TOKEN" in settings.secret_values()[0]


def _run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    return subprocess.run(
        [sys.executable, "-m", "telegram_frontend.main", *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_bad_port_exits_2_with_one_line_naming_it(tmp_path: object) -> None:
    result = _run_cli({"HTTP_PORT": "abc", "TELEGRAM_BOT_TOKEN": "1:x"}, "run")
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "HTTP_PORT" in lines[0]
    assert "Traceback" not in result.stderr


def test_every_bad_value_gets_its_own_line() -> None:
    result = _run_cli({"HTTP_PORT": "-1", "LOG_FORMAT": "xml", "DATABASE_URL": "mysql://x"}, "run")
    assert result.returncode == 2
    named = {line.split(":")[1].strip() for line in result.stderr.splitlines() if line}
    assert named == {"HTTP_PORT", "LOG_FORMAT", "DATABASE_URL"}


def test_run_without_token_exits_2_and_says_what_to_do(tmp_path: object) -> None:
    result = _run_cli({"DATABASE_URL": "sqlite:///:memory:"}, "run")
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr
    assert "sandbox" in result.stderr


def test_a_weak_secret_key_exits_2_with_a_clear_message(tmp_path: object) -> None:
    result = _run_cli({"SECRET_KEY": "tgfront-secret", "TELEGRAM_BOT_TOKEN": "1:x"}, "run")
    assert result.returncode == 2
    assert "SECRET_KEY: Value error, must be at least 32 bytes" in result.stderr
    assert "tgfront-secret" not in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.usefixtures("clean_env")
def test_the_http_server_listens_on_loopback_unless_told_otherwise() -> None:
    assert Settings().http_host == "127.0.0.1"

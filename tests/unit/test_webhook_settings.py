"""Webhook mode is configured completely or not at all: a gap is a configuration error (exit 2)."""

from __future__ import annotations

import pytest

from telegram_frontend.core.settings import load_settings


@pytest.mark.usefixtures("clean_env")
@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({}, "TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET"),
        ({"telegram_webhook_url": "https://bot.example.com"}, "TELEGRAM_WEBHOOK_SECRET"),
        ({"telegram_webhook_secret": "abc_DEF-123"}, "TELEGRAM_WEBHOOK_URL"),
    ],
)
def test_webhook_mode_without_url_or_secret_exits_2_naming_what_is_missing(
    given: dict[str, str], missing: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        load_settings(telegram_mode="webhook", **given)
    assert stop.value.code == 2
    assert f"TELEGRAM_MODE=webhook needs {missing}" in capsys.readouterr().err


@pytest.mark.usefixtures("clean_env")
@pytest.mark.parametrize(
    ("field", "value", "variable"),
    [
        ("telegram_webhook_secret", "has spaces", "TELEGRAM_WEBHOOK_SECRET"),
        ("telegram_webhook_secret", "x" * 257, "TELEGRAM_WEBHOOK_SECRET"),
        ("telegram_webhook_url", "bot.example.com/hook", "TELEGRAM_WEBHOOK_URL"),
    ],
)
def test_a_secret_telegram_would_refuse_or_a_url_without_scheme_is_an_error(
    field: str, value: str, variable: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        load_settings(**{field: value})
    err = capsys.readouterr().err
    assert f"configuration error: {variable}:" in err
    assert value not in err or field != "telegram_webhook_secret"


@pytest.mark.usefixtures("clean_env")
def test_complete_webhook_settings_load() -> None:
    settings = load_settings(
        telegram_mode="webhook",
        telegram_webhook_url="https://bot.example.com/telegram/webhook",
        telegram_webhook_secret="abc_DEF-123",
    )
    assert settings.telegram_mode == "webhook"
    assert "abc_DEF-123" in settings.secret_values()

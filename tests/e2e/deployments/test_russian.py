"""The screens about deployments in Russian: wholly Russian, like every other screen."""

from __future__ import annotations

import pytest

from telegram_frontend.services.admin.users import UserService
from tests.e2e.harness import ADMIN_ID, World, text_of
from tests.e2e.test_russian_screens import ENGLISH_WORDS, USAGE, english_fragments

SCREENS = (
    "/strategy",  # no deployment remembered yet: the picker
    "/status",
    "/status moon",
    "/deployment",
    "/deployment mainnet",
    "/help",
    "/health mainnet",
    "/portfolio testnet",
    "/role",
    "/alerts mainnet add price_above BTCUSDT 1000000",  # headed by its deployment
    "/alerts moon add",
    "/alerts rules",  # each rule with its deployment
    "/panic mainnet",
)


@pytest.fixture
def settings_env(settings_env: dict[str, str]) -> dict[str, str]:
    return {**settings_env, "RATE_LIMIT_PER_MINUTE": "1000"}


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
async def test_deployment_screens_in_russian_have_no_english_left(two_worlds: World) -> None:
    admin = await two_worlds.app.admin()
    users = await two_worlds.app.frontend.container.get(UserService)
    await users.set_preferences(ADMIN_ID, language="ru")
    fragments = sorted(set(english_fragments()), key=len, reverse=True)
    problems: list[str] = []
    for screen in SCREENS:
        text = text_of(await admin.send(screen, timeout=15))
        if screen == "/strategy":
            assert "С каким развёртыванием работать?" in text, text
        if screen.startswith("/alerts mainnet add"):
            assert text.split("\n")[0] == "💰 Mainnet", text
        if screen == "/alerts rules":
            assert "💰 Mainnet · " in text, text
        if screen == "/panic mainnet":
            assert "MAINNET: реальные деньги" in text, text
            await admin.send("/cancel")
        text = USAGE.sub("", text)
        found = [f for f in fragments if f in text]
        words = ENGLISH_WORDS.findall(text)
        if found or words:
            problems.append(f"{screen}: {found[:5]} {words[:5]}\n{text[:600]}")
    picked = await admin.press("💰 Mainnet")
    assert picked.answer.text == "Запомнено"
    assert picked.edited is not None
    assert picked.edited.text == "✅ Теперь вы работаете с развёртыванием 💰 Mainnet."
    assert not problems, "\n\n".join(problems)

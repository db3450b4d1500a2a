"""Every screen in Russian is wholly Russian: no English catalogue text, unit or state inside it.

The admin (who sees every command) opens each screen in English and in Russian; the Russian
answers must contain no literal fragment of an English catalogue message (two words or more)
and no English unit or state such as "42 ms", "UP" or "running".
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from telegram_frontend.core.i18n import LOCALES_DIR, merged_catalog
from telegram_frontend.sandbox.telegram.emulator_client import EmulatorTimeout
from telegram_frontend.services.admin.users import UserService
from tests.e2e.harness import ADMIN_ID, World, text_of
from tests.e2e.notifications.support import FAST_DELIVERY, enqueue

USAGE = re.compile(r"^/\S+(?: [^—\n]*)? — ", re.MULTILINE)  # "/cmd ARGS — ": syntax, not words

SCREENS = (
    "/start",
    "/help",
    "/status",
    "/health",
    "/metrics",
    "/strategies",
    "/strategy macd:conservative-btc",
    "/strategy grid:1",
    "/positions",
    "/trades",
    "/performance",
    "/portfolio",
    "/orders",
    "/alerts",
    "/notifications",
    "/config",
    "/users",
    "/audit",
    "/logs",
    "/dashboard",
    "/report",
    "/order",
    "hello",
)
ENGLISH_WORDS = re.compile(
    r"\b\d+ ms\b|\b(?:UP|DOWN|DEGRADED|running|stopped|sent|failed|holding|period)\b"
)
PLACEHOLDER = re.compile(r"\{[^}]*\}")
WORD = re.compile(r"[A-Za-z]{2,}")


def english_fragments() -> Iterator[str]:
    """Literal pieces (two words or more) of every message that Russian translates differently."""
    english = merged_catalog(LOCALES_DIR / "ru", "ru")
    for message in english:
        if not message.id or not message.string or message.id == message.string:
            continue
        for piece in PLACEHOLDER.split(str(message.id)):
            piece = piece.strip(" .,:;!?—-()«»“”\"'")
            if len(WORD.findall(piece)) >= 2 and piece not in str(message.string):
                yield piece


@pytest.fixture
def settings_env(settings_env: dict[str, str]) -> dict[str, str]:
    """Every screen in a row, well within a minute."""
    return {**settings_env, **FAST_DELIVERY, "RATE_LIMIT_PER_MINUTE": "1000"}


async def test_every_screen_in_russian_has_no_english_left(world: World) -> None:
    admin = await world.app.admin()
    users = await world.app.frontend.container.get(UserService)
    await users.set_preferences(ADMIN_ID, language="ru")
    await world.backends.step({"conservative-btc": "BUY"})  # a position, a signal and a reason
    await world.backends.step()
    await enqueue(world.app, "russian-screens", [ADMIN_ID], "<b>ping</b>")  # /metrics: "sent 1"
    await world.app.client.wait_for_bot_messages(ADMIN_ID, count=1, timeout=15)
    fragments = sorted(set(english_fragments()), key=len, reverse=True)
    problems: list[str] = []
    for screen in SCREENS:
        try:
            text = text_of(await admin.send(screen, timeout=5))
        except EmulatorTimeout:
            problems.append(f"{screen}: no answer")
            continue
        if screen == "/strategy macd:conservative-btc":
            assert "Последний сигнал" in text, text  # the signal and its reason are shown
        if screen == "/metrics":
            assert re.search(r"отправлено \d+", text), (
                text
            )  # the delivery figures are on this screen
        text = USAGE.sub("", text)
        found = [f for f in fragments if f in text]
        words = ENGLISH_WORDS.findall(text)
        if found or words:
            problems.append(f"{screen}: {found[:5]} {words[:5]}\n{text[:600]}")
    assert not problems, "\n\n".join(problems)

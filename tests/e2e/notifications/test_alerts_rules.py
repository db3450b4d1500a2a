"""Alert rules through the emulator: the add dialog, bad answers, pause, confirmed delete.

Every change is checked on screen (the message edited in place) and in what the core stores.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from telegram_frontend.core.access import Actor, Role
from telegram_frontend.services.notifications.alert_rules import AlertService
from tests.e2e.harness import RunningFrontend, running_frontend, text_of


@pytest.fixture
async def app(settings_env: dict[str, str]) -> AsyncIterator[RunningFrontend]:
    """The frontend with the per-user rate limit out of the way (its Redis counters are shared
    by every run within the minute on [pg]); each test also uses its own user."""
    async with running_frontend({**settings_env, "RATE_LIMIT_PER_MINUTE": "1000"}) as running:
        yield running


def _actor(user_id: int) -> Actor:
    return Actor(role=Role.VIEWER, user_id=user_id)


async def test_a_rule_is_added_by_dialog_paused_and_deleted_after_confirmation(
    app: RunningFrontend,
) -> None:
    viewer = await app.user_with_role(6021, Role.VIEWER)
    question = await viewer.send("/alerts add")
    assert text_of(question) == "➕ What should the alert watch? /cancel leaves."
    kind = await viewer.press("Price above")
    assert "Which trading pair? Send it like BTCUSDT." in text_of(kind.new_messages)
    bad_symbol = await viewer.send("BTC USDT!")
    assert text_of(bad_symbol).startswith("❌ Send a trading pair like BTCUSDT")
    asks_price = await viewer.send("btcusdt")
    assert text_of(asks_price) == "At what price? Send a number, like 65000."
    bad_price = await viewer.send("a lot")
    assert text_of(bad_price) == (
        "❌ Send a number, for example 65000 or 2.5.\nTry again, or /cancel."
    )
    added = await viewer.send("70,000")
    assert text_of(added) == "✅ Alert added: BTCUSDT price above 70,000.00."
    alerts = await app.frontend.container.get(AlertService)
    (rule,) = await alerts.list_rules(_actor(6021))
    listed = await viewer.send("/alerts rules")
    assert f"▶️ #{rule.id} BTCUSDT price above 70,000.00" in text_of(listed)
    paused = await viewer.press(f"⏸ Pause #{rule.id}")
    assert paused.edited is not None
    assert f"⏸ #{rule.id} BTCUSDT price above 70,000.00 (paused)" in (paused.edited.text or "")
    assert paused.edited.button_data(f"▶️ Resume #{rule.id}")
    assert (await alerts.list_rules(_actor(6021)))[0].active is False
    asked = await viewer.press(f"🗑 Delete #{rule.id}")
    assert "❓ Delete the alert BTCUSDT price above 70,000.00?" in text_of(asked.new_messages)
    kept = await viewer.press("Keep it")
    assert kept.edited is not None and kept.edited.text == "The alert was kept."
    assert len(await alerts.list_rules(_actor(6021))) == 1
    await viewer.press(f"🗑 Delete #{rule.id}")
    deleted = await viewer.press("✅ Delete it")
    assert deleted.answer.text == "Deleted."
    assert deleted.edited is not None and deleted.edited.text == "🗑 The alert was deleted."
    assert await alerts.list_rules(_actor(6021)) == []


async def test_cancel_leaves_the_dialog_and_saves_nothing(app: RunningFrontend) -> None:
    viewer = await app.user_with_role(6031, Role.VIEWER)
    await viewer.send("/alerts add")
    await viewer.press("Drawdown above")
    await viewer.send("any")
    cancelled = await viewer.send("/cancel")
    assert text_of(cancelled) == "Cancelled. Nothing was changed."
    stale = await viewer.press("Service down")
    assert stale.answer.text == "This dialog is over. Send /alerts add to start again."
    alerts = await app.frontend.container.get(AlertService)
    assert await alerts.list_rules(_actor(6031)) == []
    one_shot = await viewer.send("/alerts add service_down macd")
    assert text_of(one_shot) == "✅ Alert added: MACD trader goes down."

"""/config through the emulator: language, time zone and chart theme (a dialog that forgives
mistakes; /cancel leaves it), a viewer refused the admins' buttons, and the admins' versioned,
audited system settings with their history."""

from __future__ import annotations

import pytest

from telegram_frontend.bot.features.config.callbacks import Cfg
from telegram_frontend.core.access import Role
from telegram_frontend.services.admin.users import UserService
from tests.e2e.account_helpers import audit_rows, press_crafted
from tests.e2e.harness import RunningFrontend, text_of


@pytest.fixture
def settings_env(settings_env: dict[str, str]) -> dict[str, str]:
    """A roomy per-user rate limit: these tests talk a lot within one minute."""
    return {**settings_env, "RATE_LIMIT_PER_MINUTE": "1000"}


async def test_language_time_zone_and_theme_with_dialogs_that_forgive_mistakes(
    app: RunningFrontend,
) -> None:
    viewer = await app.user_with_role(71302, Role.VIEWER)
    [menu] = await viewer.send("/config")
    assert "Language: English" in (menu.text or "")
    assert "Binance keys: none (the system account is used)" in (menu.text or "")
    assert "🛠 System settings" not in [b["text"] for row in menu.buttons for b in row]

    await viewer.press("🕒 Time zone")
    assert "Unknown time zone" in text_of(await viewer.send("Mars/Olympus_Mons"))
    done = text_of(await viewer.send("Asia/Tokyo"))
    assert done.startswith("✅ Time zone set to Asia/Tokyo. Times now look like this:")
    assert done.endswith("JST")
    await viewer.press("🕒 Time zone")
    assert text_of(await viewer.send("/cancel")) == "Cancelled. Nothing was changed."
    assert text_of(await viewer.send("/cancel")) == "There is no dialog to leave."

    await viewer.send("/config")
    themed = await viewer.press("🎨 Dark charts")
    assert themed.answer.text == "Saved."
    assert themed.edited is not None and "Chart theme: dark" in (themed.edited.text or "")
    switched = await viewer.press("Русский")
    assert switched.answer.text == "Сохранено."
    assert switched.edited is not None and "Язык: Русский" in (switched.edited.text or "")
    users = await app.frontend.container.get(UserService)
    stored = await users.get(71302)
    assert stored is not None
    assert (stored.language, stored.timezone, stored.chart_theme) == ("ru", "Asia/Tokyo", "dark")

    refused = await press_crafted(app, viewer, menu, Cfg(action="sys").pack())
    # answered in the language they chose
    assert refused.text == "Для этого нужна роль admin; ваша роль — viewer."


async def test_admin_changes_a_system_setting_and_sees_its_history(app: RunningFrontend) -> None:
    admin = await app.admin()
    await admin.send("/config")
    listing = await admin.press("🛠 System settings")
    assert "risk.max_order_notional_usdt: 1000" in text_of(listing.new_messages)
    details = await admin.press("risk.max_order_notional_usdt")
    assert "Never changed: the default applies." in text_of(details.new_messages)
    await admin.press("✏️ Change")

    refused = text_of(await admin.send("lots"))
    assert refused.startswith("❌ That value does not fit:")
    saved = text_of(await admin.send("250"))
    assert saved == "✅ Saved: risk.max_order_notional_usdt = 250 (version 1)."
    details = await admin.press("risk.max_order_notional_usdt")
    text = text_of(details.new_messages)
    assert "Current value: 250" in text
    assert "v1: 250 by tg:1000," in text
    [row] = await audit_rows(app, "config.set")
    assert (row.target, row.details["version"]) == ("risk.max_order_notional_usdt", 1)

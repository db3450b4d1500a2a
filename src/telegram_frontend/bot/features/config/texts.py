"""What /config says: the settings screens, the dialogs' questions and answers (keys, two-factor).

Nothing secret passes through here except the TOTP set-up, which is shown exactly once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from telegram_frontend.bot.features.config.deployment_keys import DeploymentKeys
from telegram_frontend.core.formatters import b, code, esc, i, when
from telegram_frontend.core.i18n import _
from telegram_frontend.models import Configuration, User
from telegram_frontend.services.account.credentials import CredentialStatus, TotpSetup
from telegram_frontend.services.admin.system_config import SettingSpec

LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}


# -- own preferences -----------------------------------------------------------------------------


def _keys_value(status: CredentialStatus) -> str:
    return (
        _("yours ({hint})").format(hint=status.key_hint)
        if status.binance_keys
        else _("none (the system account is used)")
    )


def menu_text(
    user: User, status: CredentialStatus, per_deployment: Sequence[DeploymentKeys] = ()
) -> str:
    """The user's settings; `per_deployment` (several deployments): their keys on each."""
    if per_deployment:
        keys_lines = [
            _("Binance keys on {deployment}: {value}").format(
                deployment=esc(keys.title), value=b(_keys_value(keys.status))
            )
            for keys in per_deployment
        ]
    else:
        keys_lines = [_("Binance keys: {value}").format(value=b(_keys_value(status)))]
    lines = [
        "⚙️ " + b(_("Your settings")),
        _("Language: {value}").format(value=b(LANGUAGE_NAMES.get(user.language, user.language))),
        _("Time zone: {value}").format(value=b(user.timezone)),
        _("Chart theme: {value}").format(
            value=b(_("dark") if user.chart_theme == "dark" else _("light"))
        ),
        *keys_lines,
        _("Two-factor (TOTP): {value}").format(
            value=b(_("on") if status.totp_enabled else _("off"))
        ),
    ]
    if not status.encryption_available:
        lines.append(i(_("Keys and two-factor need SECRET_KEY to be set on the server.")))
    return "\n".join(lines)


def no_dialog_text() -> str:
    return esc(_("There is no dialog to leave."))


def cancelled_text() -> str:
    return esc(_("Cancelled. Nothing was changed."))


def timezone_prompt() -> str:
    return esc(
        _("Send your time zone, like Europe/Berlin, America/New_York or UTC. /cancel leaves.")
    )


def unknown_timezone_text() -> str:
    return "❌ " + esc(_("Unknown time zone. Use a name like Europe/Berlin or UTC, or /cancel."))


def timezone_set_text(user: User, now: datetime) -> str:
    return "✅ " + _("Time zone set to {zone}. Times now look like this: {now}").format(
        zone=b(user.timezone), now=esc(when(now, user.timezone))
    )


# -- system settings (admins) --------------------------------------------------------------------


def value_text(value: Any) -> str:
    """A setting's value as people write it: `250` rather than `250.0`, lists comma-separated."""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else json.dumps(value)


def no_such_setting_text() -> str:
    return esc(_("There is no such setting."))


def system_settings_text(values: Mapping[str, Any]) -> str:
    lines = ["🛠 " + b(_("System settings"))]
    lines += [f"{code(k)}: {b(value_text(v))}" for k, v in values.items()]
    lines.append(i(_("Pick a setting to see its history or change it.")))
    return "\n".join(lines)


def setting_text(
    key: str, spec: SettingSpec, value: Any, history: Sequence[Configuration], tz: str
) -> str:
    """One setting: what it is, its value, and its last versions (who changed it, when)."""
    lines = [
        "🛠 " + code(key),
        esc(spec.description),
        _("Current value: {value}").format(value=b(value_text(value))),
        b(_("History")),
    ]
    lines += [
        _("v{version}: {value} by {who}, {at}").format(
            version=row.version,
            value=b(value_text(row.value)),
            who=esc(row.changed_by),
            at=esc(when(row.changed_at, tz)),
        )
        for row in history
    ] or [esc(_("Never changed: the default applies."))]
    return "\n".join(lines)


def value_prompt(key: str, spec: SettingSpec) -> str:
    hint = _("lists are comma-separated") if spec.kind is list else ""
    return (
        esc(
            _("Send the new value of {key} ({description}).").format(
                key=key, description=spec.description
            )
        )
        + (" " + esc(hint) if hint else "")
        + " "
        + esc(_("/cancel leaves."))
    )


def value_rejected_text(reason: str) -> str:
    return "❌ " + esc(
        _("That value does not fit: {reason} Try again or /cancel.").format(reason=reason)
    )


def value_saved_text(key: str, value: Any, version: int) -> str:
    return "✅ " + _("Saved: {key} = {value} (version {version}).").format(
        key=code(key), value=b(value_text(value)), version=version
    )


# -- own Binance keys and two-factor -------------------------------------------------------------


def key_prompt() -> str:
    return esc(
        _(
            "Send your Binance API key. The message is deleted right after reading. "
            "Use a key that may trade but never withdraw. /cancel leaves."
        )
    )


def keys_removed_text(removed: bool) -> str:
    return esc(
        _("Your Binance keys were removed; the system account is used again.")
        if removed
        else _("You have no stored Binance keys.")
    )


def totp_setup_text(setup: TotpSetup) -> str:
    """The secret, shown once (the message is deleted when two-factor is switched on)."""
    return (
        "🔐 "
        + esc(_("Add this to your authenticator app. The secret is shown only once:"))
        + "\n"
        + code(setup.secret)
        + "\n"
        + code(setup.uri)
        + "\n"
        + esc(_("Then send the 6-digit code the app shows. /cancel leaves."))
    )


def totp_disable_prompt() -> str:
    return "🔐 " + esc(
        _("Send a current code from your authenticator app to switch two-factor off.")
    )


def malformed_key_text() -> str:
    return "❌ " + esc(
        _(
            "That does not look like a Binance API key (letters and digits). "
            "Send the key again, or /cancel."
        )
    )


def secret_prompt() -> str:
    return "🔑 " + esc(_("Now send the API secret. It is deleted right after reading too."))


def malformed_secret_text() -> str:
    return "❌ " + esc(
        _(
            "That does not look like a Binance API secret (letters and digits). "
            "Send the secret again, or /cancel."
        )
    )


def keys_rejected_text(reason: str) -> str:
    """Binance refused the pair: why, and the question for the key again."""
    return (
        "❌ "
        + esc(
            _("Binance did not accept these keys, so nothing was stored: {reason}").format(
                reason=reason
            )
        )
        + "\n"
        + key_prompt()
    )


def keys_saved_text(hint: str) -> str:
    return (
        "✅ "
        + _("Keys saved ({hint}) after Binance accepted them.").format(hint=b(hint))
        + " "
        + esc(_("/portfolio and /orders now show your own account."))
    )


def totp_code_invalid_text() -> str:
    return "❌ " + esc(
        _("That code is not valid. Check the app and send the current code, or /cancel.")
    )


def totp_expired_text() -> str:
    return esc(_("The set-up expired. Start it again from /config."))


def totp_on_text() -> str:
    return "✅ " + esc(_("Two-factor is on: /panic now asks for a code from your app."))


def totp_disable_invalid_text() -> str:
    return "❌ " + esc(_("That code is not valid. Send the current code, or /cancel."))


def totp_off_text() -> str:
    return "✅ " + esc(_("Two-factor is off."))

"""/config: everyone's own settings (language, time zone, chart theme, keys, two-factor) and, for
admins, the versioned system settings with their history. /cancel leaves any dialog.

Dialog answers that are wrong get a clear sentence and the dialog stays open; the key and TOTP
dialogs live in `config_secrets_router.py`.
"""

from __future__ import annotations

import json
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from dishka.integrations.aiogram import FromDishka

from telegram_frontend.bot.ui.command_catalog import CommandInfo
from telegram_frontend.bot.ui.command_menus import sync_user_menu
from telegram_frontend.bot.ui.pages import edit_screen
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.errors import ValidationFailed
from telegram_frontend.core.formatters import b, code, esc, i, when
from telegram_frontend.core.i18n import _, use_locale
from telegram_frontend.models import User
from telegram_frontend.services.account.actions import AccountActions
from telegram_frontend.services.account.credentials import CredentialsService, CredentialStatus
from telegram_frontend.services.admin.system_config import SYSTEM_SETTINGS, ConfigService
from telegram_frontend.services.admin.users import UserService

router = Router(name="config")
LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}
HISTORY_SHOWN = 5


class Cfg(CallbackData, prefix="cfg"):
    """A /config button: `action` names it, `arg` carries a language, theme or setting key."""

    action: str
    arg: str = ""


class Dialog(StatesGroup):
    timezone = State()
    system_value = State()


USER_ACTIONS = {"menu", "lang", "theme", "tz"}
ADMIN_ACTIONS = {"sys", "skey", "sset"}


def _button(text: str, action: str, arg: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=Cfg(action=action, arg=arg).pack())


def menu_text(user: User, status: CredentialStatus) -> str:
    keys = (
        _("yours ({hint})").format(hint=status.key_hint)
        if status.binance_keys
        else _("none (the system account is used)")
    )
    lines = [
        "⚙️ " + b(_("Your settings")),
        _("Language: {value}").format(value=b(LANGUAGE_NAMES.get(user.language, user.language))),
        _("Time zone: {value}").format(value=b(user.timezone)),
        _("Chart theme: {value}").format(
            value=b(_("dark") if user.chart_theme == "dark" else _("light"))
        ),
        _("Binance keys: {value}").format(value=b(keys)),
        _("Two-factor (TOTP): {value}").format(
            value=b(_("on") if status.totp_enabled else _("off"))
        ),
    ]
    if not status.encryption_available:
        lines.append(i(_("Keys and two-factor need SECRET_KEY to be set on the server.")))
    return "\n".join(lines)


def menu_keyboard(user: User, status: CredentialStatus) -> InlineKeyboardMarkup:
    other_theme = "light" if user.chart_theme == "dark" else "dark"
    rows = [
        [_button(name, "lang", code_) for code_, name in LANGUAGE_NAMES.items()],
        [
            _button("🕒 " + _("Time zone"), "tz"),
            _button(
                "🎨 " + (_("Dark charts") if other_theme == "dark" else _("Light charts")),
                "theme",
                other_theme,
            ),
        ],
    ]
    if status.encryption_available:
        key_row = [
            _button(
                "🔑 "
                + (_("Replace Binance keys") if status.binance_keys else _("Add Binance keys")),
                "keys",
            )
        ]
        if status.binance_keys:
            key_row.append(_button("🗑 " + _("Remove my keys"), "rmkeys"))
        rows.append(key_row)
        rows.append(
            [
                _button("🔐 " + _("Disable two-factor"), "totp_off")
                if status.totp_enabled
                else _button("🔐 " + _("Enable two-factor"), "totp_on")
            ]
        )
    if Role(user.role).allows(Role.ADMIN):
        rows.append([_button("🛠 " + _("System settings"), "sys")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def send_menu(message: Message, user: User, credentials: CredentialsService) -> None:
    status = await credentials.status(user.id)
    await message.answer(menu_text(user, status), reply_markup=menu_keyboard(user, status))


@router.message(
    Command("config"),
    flags={
        "role": Role.VIEWER,
        "command": CommandInfo("config", "Your settings; system settings for admins", order=40),
    },
)
async def config_menu(
    message: Message, user: User, state: FSMContext, credentials: FromDishka[CredentialsService]
) -> None:
    await state.clear()
    await send_menu(message, user, credentials)


@router.message(
    Command("cancel"),
    StateFilter("*"),
    flags={
        "role": Role.VIEWER,
        "command": CommandInfo("cancel", "Leave the current dialog", order=41),
    },
)
async def cancel_dialog(
    message: Message, state: FSMContext, actor: Actor, actions: FromDishka[AccountActions]
) -> None:
    """Leave whatever dialog is open; a pending confirmation it held can no longer be used."""
    if await state.get_state() is None:
        await message.answer(esc(_("There is no dialog to leave.")))
        return
    data = await state.get_data()
    await state.clear()
    if data.get("token"):
        await actions.abandon(actor, str(data["token"]))
    if data.get("setup_message_id") and message.bot is not None:
        await message.bot.delete_message(message.chat.id, int(data["setup_message_id"]))
    await message.answer(esc(_("Cancelled. Nothing was changed.")))


# -- own preferences -----------------------------------------------------------------------------


@router.callback_query(Cfg.filter(F.action.in_(USER_ACTIONS)), flags={"role": Role.VIEWER})
async def preference(
    query: CallbackQuery,
    callback_data: Cfg,
    user: User,
    state: FSMContext,
    users: FromDishka[UserService],
    credentials: FromDishka[CredentialsService],
) -> None:
    message = query.message if isinstance(query.message, Message) else None
    if callback_data.action == "tz":
        await state.set_state(Dialog.timezone)
        if message is not None:
            await message.answer(
                esc(
                    _(
                        "Send your time zone, like Europe/Berlin, America/New_York or UTC. "
                        "/cancel leaves."
                    )
                )
            )
        await query.answer()
        return
    if callback_data.action == "lang":
        user = await users.set_preferences(user.id, language=callback_data.arg)
        if query.bot is not None:
            await sync_user_menu(query.bot, user)  # the command menu follows the language
    elif callback_data.action == "theme":
        user = await users.set_preferences(user.id, chart_theme=callback_data.arg)
    status = await credentials.status(user.id)
    with use_locale(user.language):
        await edit_screen(
            query,
            [menu_text(user, status)],
            menu_keyboard(user, status),
            done_text=_("Saved."),
        )


@router.message(Dialog.timezone, F.text, ~F.text.startswith("/"), flags={"role": Role.VIEWER})
async def timezone_answer(
    message: Message, user: User, state: FSMContext, users: FromDishka[UserService]
) -> None:
    try:
        user = await users.set_preferences(user.id, timezone=(message.text or "").strip())
    except ValidationFailed:
        await message.answer(
            "❌ " + esc(_("Unknown time zone. Use a name like Europe/Berlin or UTC, or /cancel."))
        )
        return
    await state.clear()
    now = when(message.date, user.timezone)
    await message.answer(
        "✅ "
        + _("Time zone set to {zone}. Times now look like this: {now}").format(
            zone=b(user.timezone), now=esc(now)
        )
    )


# -- system settings (admins) --------------------------------------------------------------------


def _value(value: Any) -> str:
    """A setting's value as people write it: `250` rather than `250.0`, lists comma-separated."""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else json.dumps(value)


@router.callback_query(Cfg.filter(F.action.in_(ADMIN_ACTIONS)), flags={"role": Role.ADMIN})
async def system_settings(
    query: CallbackQuery,
    callback_data: Cfg,
    user: User,
    state: FSMContext,
    config: FromDishka[ConfigService],
) -> None:
    if isinstance(query.message, Message):
        await _show_system_setting(query.message, callback_data, user, state, config)
    await query.answer()


async def _show_system_setting(
    message: Message, callback_data: Cfg, user: User, state: FSMContext, config: ConfigService
) -> None:
    """The settings list, one setting with its history, or the prompt for a new value."""
    key = callback_data.arg
    if callback_data.action != "sys" and key not in SYSTEM_SETTINGS:
        await message.answer(esc(_("There is no such setting.")))
        return
    if callback_data.action == "sys":
        values = await config.all()
        lines = ["🛠 " + b(_("System settings"))]
        lines += [f"{code(k)}: {b(_value(v))}" for k, v in values.items()]
        lines.append(i(_("Pick a setting to see its history or change it.")))
        rows = [[_button(k, "skey", k)] for k in SYSTEM_SETTINGS]
        await message.answer(
            "\n".join(lines), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows)
        )
    elif callback_data.action == "skey":
        spec = SYSTEM_SETTINGS[key]
        lines = [
            "🛠 " + code(key),
            esc(spec.description),
            _("Current value: {value}").format(value=b(_value(await config.get(key)))),
            b(_("History")),
        ]
        history = await config.history(key, limit=HISTORY_SHOWN)
        lines += [
            _("v{version}: {value} by {who}, {at}").format(
                version=row.version,
                value=b(_value(row.value)),
                who=esc(row.changed_by),
                at=esc(when(row.changed_at, user.timezone)),
            )
            for row in history
        ] or [esc(_("Never changed: the default applies."))]
        markup = InlineKeyboardMarkup(inline_keyboard=[[_button("✏️ " + _("Change"), "sset", key)]])
        await message.answer("\n".join(lines), reply_markup=markup)
    else:
        await state.set_state(Dialog.system_value)
        await state.update_data(key=key)
        hint = _("lists are comma-separated") if SYSTEM_SETTINGS[key].kind is list else ""
        await message.answer(
            esc(
                _("Send the new value of {key} ({description}).").format(
                    key=key, description=SYSTEM_SETTINGS[key].description
                )
            )
            + (" " + esc(hint) if hint else "")
            + " "
            + esc(_("/cancel leaves."))
        )


@router.message(Dialog.system_value, F.text, ~F.text.startswith("/"), flags={"role": Role.ADMIN})
async def system_value_answer(
    message: Message, actor: Actor, state: FSMContext, config: FromDishka[ConfigService]
) -> None:
    key = str((await state.get_data()).get("key", ""))
    try:
        value = await config.set(actor, key, (message.text or "").strip())
    except ValidationFailed as exc:
        await message.answer(
            "❌ "
            + esc(
                _("That value does not fit: {reason} Try again or /cancel.").format(
                    reason=exc.user_message
                )
            )
        )
        return
    await state.clear()
    version = (await config.history(key, limit=1))[0].version
    await message.answer(
        "✅ "
        + _("Saved: {key} = {value} (version {version}).").format(
            key=code(key), value=b(_value(value)), version=version
        )
    )


def get_router() -> Router:
    """This feature's handlers, for the one router list in `bot/dispatcher.py`."""
    return router

"""/config: everyone's own settings (language, time zone, chart theme, keys, two-factor) and, for
admins, the versioned system settings with their history. /cancel leaves any dialog.

Dialog answers that are wrong get a clear sentence and the dialog stays open; the key and TOTP
dialogs live in `secret_handlers.py`.
"""

from __future__ import annotations

from functools import cache

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from dishka.integrations.aiogram import FromDishka

from telegram_frontend.bot.features.config import secret_handlers
from telegram_frontend.bot.features.config.callbacks import ADMIN_ACTIONS, USER_ACTIONS, Cfg
from telegram_frontend.bot.features.config.deployment_keys import keys_per_deployment
from telegram_frontend.bot.features.config.keyboards import (
    change_keyboard,
    menu_keyboard,
    settings_keyboard,
)
from telegram_frontend.bot.features.config.texts import (
    cancelled_text,
    menu_text,
    no_dialog_text,
    no_such_setting_text,
    setting_text,
    system_settings_text,
    timezone_prompt,
    timezone_set_text,
    unknown_timezone_text,
    value_prompt,
    value_rejected_text,
    value_saved_text,
)
from telegram_frontend.bot.ui.command_catalog import CommandInfo
from telegram_frontend.bot.ui.command_menus import sync_user_menu
from telegram_frontend.bot.ui.pages import edit_screen
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.errors import ValidationFailed
from telegram_frontend.core.i18n import _, use_locale
from telegram_frontend.models import User
from telegram_frontend.services.account.actions import AccountActions
from telegram_frontend.services.account.credentials import CredentialsService
from telegram_frontend.services.admin.system_config import SYSTEM_SETTINGS, ConfigService
from telegram_frontend.services.admin.users import UserService
from telegram_frontend.services.deployments.registry import Deployments

router = Router(name="config")
HISTORY_SHOWN = 5


class Dialog(StatesGroup):
    timezone = State()
    system_value = State()


async def send_menu(
    message: Message, user: User, credentials: CredentialsService, deployments: Deployments
) -> None:
    status = await credentials.status(user.id)
    keys = await keys_per_deployment(deployments, user.id)
    await message.answer(
        menu_text(user, status, keys), reply_markup=menu_keyboard(user, status, keys)
    )


@router.message(
    Command("config"),
    flags={
        "role": Role.VIEWER,
        "command": CommandInfo("config", "Your settings; system settings for admins", order=40),
    },
)
async def config_menu(
    message: Message,
    user: User,
    state: FSMContext,
    credentials: FromDishka[CredentialsService],
    deployments: FromDishka[Deployments],
) -> None:
    await state.clear()
    await send_menu(message, user, credentials, deployments)


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
        await message.answer(no_dialog_text())
        return
    data = await state.get_data()
    await state.clear()
    if data.get("token"):
        await actions.abandon(actor, str(data["token"]))
    if data.get("setup_message_id") and message.bot is not None:
        await message.bot.delete_message(message.chat.id, int(data["setup_message_id"]))
    await message.answer(cancelled_text())


# -- own preferences -----------------------------------------------------------------------------


@router.callback_query(Cfg.filter(F.action.in_(USER_ACTIONS)), flags={"role": Role.VIEWER})
async def preference(
    query: CallbackQuery,
    callback_data: Cfg,
    user: User,
    state: FSMContext,
    users: FromDishka[UserService],
    credentials: FromDishka[CredentialsService],
    deployments: FromDishka[Deployments],
) -> None:
    message = query.message if isinstance(query.message, Message) else None
    if callback_data.action == "tz":
        await state.set_state(Dialog.timezone)
        if message is not None:
            await message.answer(timezone_prompt())
        await query.answer()
        return
    if callback_data.action == "lang":
        user = await users.set_preferences(user.id, language=callback_data.arg)
        if query.bot is not None:
            await sync_user_menu(query.bot, user, deployments)  # the menu follows the language
    elif callback_data.action == "theme":
        user = await users.set_preferences(user.id, chart_theme=callback_data.arg)
    status = await credentials.status(user.id)
    keys = await keys_per_deployment(deployments, user.id)
    with use_locale(user.language):
        await edit_screen(
            query,
            [menu_text(user, status, keys)],
            menu_keyboard(user, status, keys),
            done_text=_("Saved."),
        )


@router.message(Dialog.timezone, F.text, ~F.text.startswith("/"), flags={"role": Role.VIEWER})
async def timezone_answer(
    message: Message, user: User, state: FSMContext, users: FromDishka[UserService]
) -> None:
    try:
        user = await users.set_preferences(user.id, timezone=(message.text or "").strip())
    except ValidationFailed:
        await message.answer(unknown_timezone_text())
        return
    await state.clear()
    await message.answer(timezone_set_text(user, message.date))


# -- system settings (admins) --------------------------------------------------------------------


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
        await message.answer(no_such_setting_text())
        return
    if callback_data.action == "sys":
        await message.answer(
            system_settings_text(await config.all()),
            reply_markup=settings_keyboard(SYSTEM_SETTINGS),
        )
    elif callback_data.action == "skey":
        text = setting_text(
            key,
            SYSTEM_SETTINGS[key],
            await config.get(key),
            await config.history(key, limit=HISTORY_SHOWN),
            user.timezone,
        )
        await message.answer(text, reply_markup=change_keyboard(key))
    else:
        await state.set_state(Dialog.system_value)
        await state.update_data(key=key)
        await message.answer(value_prompt(key, SYSTEM_SETTINGS[key]))


@router.message(Dialog.system_value, F.text, ~F.text.startswith("/"), flags={"role": Role.ADMIN})
async def system_value_answer(
    message: Message, actor: Actor, state: FSMContext, config: FromDishka[ConfigService]
) -> None:
    key = str((await state.get_data()).get("key", ""))
    try:
        value = await config.set(actor, key, (message.text or "").strip())
    except ValidationFailed as exc:
        await message.answer(value_rejected_text(exc.user_message))
        return
    await state.clear()
    version = (await config.history(key, limit=1))[0].version
    await message.answer(value_saved_text(key, value, version))


@cache
def get_router() -> Router:
    """The feature's routers (settings first, then the secret dialogs), for `bot/dispatcher.py`."""
    feature = Router(name="config_feature")
    feature.include_routers(router, secret_handlers.router)
    return feature

"""The /config dialogs that handle secrets: a user's own Binance keys and their TOTP second factor.

The messages holding the key and the secret are deleted as soon as they are read; the key waits
for the secret only encrypted (in the dialog state), the pair is proven with a signed call before
it is stored, and nothing secret is ever echoed back or logged. The TOTP secret is shown once,
and that message is deleted when two-factor is switched on (or the dialog is left).

Keys belong to one deployment: the key buttons carry it (with several), the dialog keeps it in its
state, the pair is proven against that deployment's Binance and stored under it, and every reply
names it first. Two-factor is the user's, on every deployment.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from dishka.integrations.aiogram import FromDishka

from telegram_frontend.bot.features.config.callbacks import KEY_ACTIONS, TOTP_ACTIONS, Cfg
from telegram_frontend.bot.features.config.texts import (
    key_prompt,
    keys_rejected_text,
    keys_removed_text,
    keys_saved_text,
    malformed_key_text,
    malformed_secret_text,
    secret_prompt,
    totp_code_invalid_text,
    totp_disable_invalid_text,
    totp_disable_prompt,
    totp_expired_text,
    totp_off_text,
    totp_on_text,
    totp_setup_text,
)
from telegram_frontend.bot.ui.deployment_choice import DEPLOYMENT_FLAG, STATE_KEY, Scope, Target
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.crypto import SecretKeyMissing
from telegram_frontend.core.errors import FrontendError
from telegram_frontend.core.i18n import _
from telegram_frontend.core.logging import get_logger
from telegram_frontend.services.account.credentials import (
    CredentialsService,
    InvalidTotpCode,
    KeysRejected,
    MalformedKey,
    TotpSetupExpired,
    check_key_format,
)

router = Router(name="config_secrets")
log = get_logger(__name__)


class SecretDialog(StatesGroup):
    api_key = State()
    api_secret = State()
    totp_enable = State()
    totp_disable = State()


async def _delete(message: Message) -> None:
    """Remove a message that holds a secret; a failure is logged (never with its text)."""
    try:
        await message.delete()
    except TelegramAPIError as exc:
        log.warning(
            "secret_message_not_deleted", message_id=message.message_id, error=type(exc).__name__
        )


def _encryption_missing(credentials: CredentialsService) -> bool:
    """True (say it now, not after the secret was typed) when SECRET_KEY is not set."""
    try:
        credentials.seal("")
    except SecretKeyMissing:
        return True
    return False


async def _refuse_without_key(query: CallbackQuery) -> None:
    await query.answer(
        _("Keys and two-factor need SECRET_KEY to be set on the server."), show_alert=True
    )


@router.callback_query(
    Cfg.filter(F.action.in_(KEY_ACTIONS)),
    flags={"role": Role.VIEWER, DEPLOYMENT_FLAG: Scope.ONE},
)
async def key_action(
    query: CallbackQuery,
    callback_data: Cfg,
    actor: Actor,
    state: FSMContext,
    target: Target,
) -> None:
    """Add or remove the user's keys on the deployment the button names."""
    message = query.message if isinstance(query.message, Message) else None
    if message is None:
        await query.answer()
        return
    credentials = target.deployment.credentials
    if callback_data.action == "keys":
        if _encryption_missing(credentials):
            await _refuse_without_key(query)
            return
        await state.set_state(SecretDialog.api_key)
        await state.update_data({STATE_KEY: target.name})
        await message.answer(target.headed("🔑 " + key_prompt()))
    else:
        removed = await credentials.remove_binance_keys(actor)
        await message.answer(target.headed(keys_removed_text(removed)))
    await query.answer()


@router.callback_query(Cfg.filter(F.action.in_(TOTP_ACTIONS)), flags={"role": Role.VIEWER})
async def totp_action(
    query: CallbackQuery,
    callback_data: Cfg,
    actor: Actor,
    state: FSMContext,
    credentials: FromDishka[CredentialsService],
) -> None:
    message = query.message if isinstance(query.message, Message) else None
    if message is None:
        await query.answer()
        return
    if callback_data.action == "totp_on":
        if _encryption_missing(credentials):
            await _refuse_without_key(query)
            return
        setup = await credentials.begin_totp(actor)
        shown = await message.answer(totp_setup_text(setup))
        await state.set_state(SecretDialog.totp_enable)
        await state.update_data(setup_message_id=shown.message_id)
    else:
        await state.set_state(SecretDialog.totp_disable)
        await message.answer(totp_disable_prompt())
    await query.answer()


KEY_DIALOG_FLAGS = {"role": Role.VIEWER, DEPLOYMENT_FLAG: Scope.ONE}


@router.message(SecretDialog.api_key, F.text, ~F.text.startswith("/"), flags=KEY_DIALOG_FLAGS)
async def api_key_answer(message: Message, state: FSMContext, target: Target) -> None:
    text = message.text or ""
    await _delete(message)
    try:
        key = check_key_format(text, "key")
    except MalformedKey:
        await message.answer(target.headed(malformed_key_text()))
        return
    await state.update_data(sealed_key=target.deployment.credentials.seal(key))
    await state.set_state(SecretDialog.api_secret)
    await message.answer(target.headed(secret_prompt()))


@router.message(SecretDialog.api_secret, F.text, ~F.text.startswith("/"), flags=KEY_DIALOG_FLAGS)
async def api_secret_answer(
    message: Message, actor: Actor, state: FSMContext, target: Target
) -> None:
    """Prove the pair against the dialog's deployment's Binance and store it there."""
    text = message.text or ""
    await _delete(message)
    credentials = target.deployment.credentials
    sealed = str((await state.get_data()).get("sealed_key", ""))
    try:
        hint = await credentials.store_binance_keys(actor, credentials.unseal(sealed), text)
    except MalformedKey:
        await message.answer(target.headed(malformed_secret_text()))
        return
    except KeysRejected as exc:
        await state.set_state(SecretDialog.api_key)
        await state.update_data(sealed_key=None)
        await message.answer(target.headed(keys_rejected_text(exc.reason)))
        return
    except FrontendError:
        await state.clear()
        raise
    await state.clear()
    await message.answer(target.headed(keys_saved_text(hint)))


@router.message(
    SecretDialog.totp_enable, F.text, ~F.text.startswith("/"), flags={"role": Role.VIEWER}
)
async def totp_enable_answer(
    message: Message,
    actor: Actor,
    state: FSMContext,
    credentials: FromDishka[CredentialsService],
) -> None:
    try:
        await credentials.confirm_totp(actor, message.text or "")
    except InvalidTotpCode:
        await message.answer(totp_code_invalid_text())
        return
    except TotpSetupExpired:
        await state.clear()
        await message.answer(totp_expired_text())
        return
    setup_id = (await state.get_data()).get("setup_message_id")
    await state.clear()
    if setup_id and message.bot is not None:
        try:
            await message.bot.delete_message(message.chat.id, int(setup_id))
        except TelegramAPIError:
            log.warning("totp_setup_message_not_deleted")
    await message.answer(totp_on_text())


@router.message(
    SecretDialog.totp_disable, F.text, ~F.text.startswith("/"), flags={"role": Role.VIEWER}
)
async def totp_disable_answer(
    message: Message,
    actor: Actor,
    state: FSMContext,
    credentials: FromDishka[CredentialsService],
) -> None:
    try:
        await credentials.disable_totp(actor, message.text or "")
    except InvalidTotpCode:
        await message.answer(totp_disable_invalid_text())
        return
    await state.clear()
    await message.answer(totp_off_text())

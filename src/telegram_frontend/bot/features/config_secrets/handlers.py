"""The /config dialogs that handle secrets: a user's own Binance keys and their TOTP second factor.

The messages holding the key and the secret are deleted as soon as they are read; the key waits
for the secret only encrypted (in the dialog state), the pair is proven with a signed call before
it is stored, and nothing secret is ever echoed back or logged. The TOTP secret is shown once,
and that message is deleted when two-factor is switched on (or the dialog is left).
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from dishka.integrations.aiogram import FromDishka

from telegram_frontend.bot.features.config.handlers import Cfg
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.crypto import SecretKeyMissing
from telegram_frontend.core.errors import FrontendError
from telegram_frontend.core.formatters import b, code, esc
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
SECRET_ACTIONS = {"keys", "rmkeys", "totp_on", "totp_off"}


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


def _key_prompt() -> str:
    return esc(
        _(
            "Send your Binance API key. The message is deleted right after reading. "
            "Use a key that may trade but never withdraw. /cancel leaves."
        )
    )


@router.callback_query(Cfg.filter(F.action.in_(SECRET_ACTIONS)), flags={"role": Role.VIEWER})
async def secret_action(
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
    action = callback_data.action
    if action in ("keys", "totp_on"):
        try:
            credentials.seal("")  # say it now, not after the secret was typed
        except SecretKeyMissing:
            await query.answer(
                _("Keys and two-factor need SECRET_KEY to be set on the server."), show_alert=True
            )
            return
    await _start_secret_dialog(message, action, actor, state, credentials)
    await query.answer()


async def _start_secret_dialog(
    message: Message,
    action: str,
    actor: Actor,
    state: FSMContext,
    credentials: CredentialsService,
) -> None:
    if action == "keys":
        await state.set_state(SecretDialog.api_key)
        await message.answer("🔑 " + _key_prompt())
    elif action == "rmkeys":
        removed = await credentials.remove_binance_keys(actor)
        text = (
            _("Your Binance keys were removed; the system account is used again.")
            if removed
            else _("You have no stored Binance keys.")
        )
        await message.answer(esc(text))
    elif action == "totp_on":
        setup = await credentials.begin_totp(actor)
        shown = await message.answer(
            "🔐 "
            + esc(_("Add this to your authenticator app. The secret is shown only once:"))
            + "\n"
            + code(setup.secret)
            + "\n"
            + code(setup.uri)
            + "\n"
            + esc(_("Then send the 6-digit code the app shows. /cancel leaves."))
        )
        await state.set_state(SecretDialog.totp_enable)
        await state.update_data(setup_message_id=shown.message_id)
    else:
        await state.set_state(SecretDialog.totp_disable)
        await message.answer(
            "🔐 "
            + esc(_("Send a current code from your authenticator app to switch two-factor off."))
        )


@router.message(SecretDialog.api_key, F.text, ~F.text.startswith("/"), flags={"role": Role.VIEWER})
async def api_key_answer(
    message: Message, state: FSMContext, credentials: FromDishka[CredentialsService]
) -> None:
    text = message.text or ""
    await _delete(message)
    try:
        key = check_key_format(text, "key")
    except MalformedKey:
        await message.answer(
            "❌ "
            + esc(
                _(
                    "That does not look like a Binance API key (letters and digits). "
                    "Send the key again, or /cancel."
                )
            )
        )
        return
    await state.update_data(sealed_key=credentials.seal(key))
    await state.set_state(SecretDialog.api_secret)
    await message.answer(
        "🔑 " + esc(_("Now send the API secret. It is deleted right after reading too."))
    )


@router.message(
    SecretDialog.api_secret, F.text, ~F.text.startswith("/"), flags={"role": Role.VIEWER}
)
async def api_secret_answer(
    message: Message,
    actor: Actor,
    state: FSMContext,
    credentials: FromDishka[CredentialsService],
) -> None:
    text = message.text or ""
    await _delete(message)
    sealed = str((await state.get_data()).get("sealed_key", ""))
    try:
        hint = await credentials.store_binance_keys(actor, credentials.unseal(sealed), text)
    except MalformedKey:
        await message.answer(
            "❌ "
            + esc(
                _(
                    "That does not look like a Binance API secret (letters and digits). "
                    "Send the secret again, or /cancel."
                )
            )
        )
        return
    except KeysRejected as exc:
        await state.set_state(SecretDialog.api_key)
        await state.update_data(sealed_key=None)
        await message.answer(
            "❌ "
            + esc(
                _("Binance did not accept these keys, so nothing was stored: {reason}").format(
                    reason=exc.reason
                )
            )
            + "\n"
            + _key_prompt()
        )
        return
    except FrontendError:
        await state.clear()
        raise
    await state.clear()
    await message.answer(
        "✅ "
        + _("Keys saved ({hint}) after Binance accepted them.").format(hint=b(hint))
        + " "
        + esc(_("/portfolio and /orders now show your own account."))
    )


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
        await message.answer(
            "❌ "
            + esc(_("That code is not valid. Check the app and send the current code, or /cancel."))
        )
        return
    except TotpSetupExpired:
        await state.clear()
        await message.answer(esc(_("The set-up expired. Start it again from /config.")))
        return
    setup_id = (await state.get_data()).get("setup_message_id")
    await state.clear()
    if setup_id and message.bot is not None:
        try:
            await message.bot.delete_message(message.chat.id, int(setup_id))
        except TelegramAPIError:
            log.warning("totp_setup_message_not_deleted")
    await message.answer(
        "✅ " + esc(_("Two-factor is on: /panic now asks for a code from your app."))
    )


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
        await message.answer(
            "❌ " + esc(_("That code is not valid. Send the current code, or /cancel."))
        )
        return
    await state.clear()
    await message.answer("✅ " + esc(_("Two-factor is off.")))


def get_router() -> Router:
    """This feature's handlers, for the one router list in `bot/dispatcher.py`."""
    return router

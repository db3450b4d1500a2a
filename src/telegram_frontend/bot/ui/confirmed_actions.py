"""One flow for every confirmed destructive action (role changes, orders, strategies, refreshes).

In front: a question with Confirm/Cancel buttons, or, when two-factor is required, a prompt for
the TOTP code. Behind: the token is taken once, the action runs, and the confirmation message
becomes the outcome: in the same words on every screen when it is cancelled, expired or failed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from telegram_frontend.bot.ui.outcomes import cancelled_text, expired_text, failed_text
from telegram_frontend.bot.ui.second_factor import second_factor_prompt_text
from telegram_frontend.core.access import Actor
from telegram_frontend.core.errors import ConfirmationExpired, FrontendError
from telegram_frontend.core.i18n import _
from telegram_frontend.services.account.credentials import CredentialsService, TotpRequired

PENDING_KEY = "token"  # the FSM data key of the pending confirmation


@dataclass(frozen=True)
class Outcome:
    """What a confirmed action did: the confirmation message's new text, and the button's toast."""

    text: str
    toast: str | None = None  # None: "Done."
    then: Callable[[], Awaitable[None]] | None = None  # after the user saw it (tell others)


def _same(text: str) -> str:
    return text


async def code_needed(credentials: CredentialsService, actor: Actor) -> bool:
    """True when the action must be confirmed with a TOTP code instead of buttons.

    Raises `TotpRequired(setup=True)` when the code is required but the user has none yet.
    """
    if not await credentials.totp_required_for_actions(actor):
        return False
    if actor.user_id is None or not await credentials.totp_enabled(actor.user_id):
        raise TotpRequired(setup=True)
    return True


async def offer(
    message: Message,
    question: str,
    token: str,
    keyboard: InlineKeyboardMarkup | None,
    *,
    state: FSMContext,
    code_state: State | None = None,
    remember: dict[str, Any] | None = None,
) -> None:
    """Ask the question with the buttons, or (with `code_state`) wait for the TOTP code."""
    if code_state is None:
        await message.answer(question, reply_markup=keyboard)
        return
    await state.set_state(code_state)
    await state.update_data({PENDING_KEY: token, **(remember or {})})
    await message.answer(question + "\n" + second_factor_prompt_text())


async def settle_code(
    message: Message,
    state: FSMContext,
    run: Callable[[str, str], Awaitable[Outcome]],
    headed: Callable[[str], str] = _same,
) -> Outcome | None:
    """One attempt at the TOTP code: `run(token, code)` acts, or nothing is done.

    `run` takes the token once, checks the code and acts; None when it did not act.
    """
    token = str((await state.get_data()).get(PENDING_KEY, ""))
    await state.clear()
    try:
        outcome = await run(token, message.text or "")
    except ConfirmationExpired as exc:
        await message.answer(expired_text(exc.user_message))
        return None
    except FrontendError as exc:
        await message.answer(failed_text(exc.user_message))
        return None
    await message.answer(headed(outcome.text))
    if outcome.then is not None:
        await outcome.then()
    return outcome


def _carries(message: Message, data: str | None) -> bool:
    """True when `data` is one of the message's own buttons (not a crafted press)."""
    rows = message.reply_markup.inline_keyboard if message.reply_markup else []
    return any(button.callback_data == data for row in rows for button in row)


async def settle_press(
    query: CallbackQuery,
    *,
    yes: bool,
    drop: Callable[[], Awaitable[bool]],
    run: Callable[[], Awaitable[Outcome]],
    headed: Callable[[str], str] = _same,
) -> Outcome | None:
    """Confirm or Cancel pressed: act once, and turn the question into the outcome.

    `drop` gives the owner's token up (False when it is not theirs or already gone); `run` takes
    the token once, checks it, and acts. None when nothing was done.
    """
    message = query.message if isinstance(query.message, Message) else None
    try:
        if not yes:
            if not await drop():
                raise ConfirmationExpired()
            await query.answer(_("Cancelled"))
            if message is not None:
                await message.edit_text(headed(cancelled_text()))
            return None
        outcome = await run()
    except ConfirmationExpired as exc:
        await query.answer(exc.user_message, show_alert=True)
        if message is not None and _carries(message, query.data):  # a crafted press spoils none
            await message.edit_text(expired_text(exc.user_message))
        return None
    except FrontendError as exc:
        await query.answer(_("Not done"))
        if message is not None:
            await message.edit_text(headed(failed_text(exc.user_message)))
        return None
    await query.answer(outcome.toast if outcome.toast is not None else _("Done."))
    if message is not None:
        await message.edit_text(headed(outcome.text))
    if outcome.then is not None:
        await outcome.then()
    return outcome

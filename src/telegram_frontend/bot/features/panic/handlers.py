"""/panic: the kill switch. Stops every strategy that can be stopped and cancels every open order,
but only after the user TYPES a code: a 6-digit code shown in the prompt, or their TOTP code when
they enabled two-factor in /config. One attempt per prompt; the prompt expires after the TTL.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message
from dishka.integrations.aiogram import FromDishka

from telegram_frontend.bot.features.panic.texts import (
    expired_text,
    panic_report_blocks,
    prompt_text,
    wrong_code_text,
)
from telegram_frontend.bot.middlewares import chat_action
from telegram_frontend.bot.ui.command_catalog import CommandInfo
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.errors import ConfirmationExpired, ValidationFailed
from telegram_frontend.core.formatters import paginate
from telegram_frontend.services.account.actions import AccountActions, PanicReport
from telegram_frontend.services.account.credentials import CredentialsService

router = Router(name="panic")
chat_action.install(router.message)


class PanicForm(StatesGroup):
    code = State()


@router.message(
    Command("panic"),
    flags={
        "role": Role.TRADER,
        "command": CommandInfo(
            "panic", "Stop every strategy and cancel every open order (asks for a code)", order=30
        ),
    },
)
async def panic(
    message: Message,
    actor: Actor,
    state: FSMContext,
    actions: FromDishka[AccountActions],
    credentials: FromDishka[CredentialsService],
) -> None:
    """Explain what will happen and ask for the code; nothing happens yet."""
    challenge = await actions.propose_panic(actor)
    _client, own = await credentials.client_for(actor)
    await state.set_state(PanicForm.code)
    await state.update_data(token=challenge.token)
    await message.answer(prompt_text(challenge, own))


@router.message(
    PanicForm.code,
    F.text,
    ~F.text.startswith("/"),
    flags={"role": Role.TRADER, "chat_action": "typing"},
)
async def panic_code(
    message: Message,
    actor: Actor,
    state: FSMContext,
    actions: FromDishka[AccountActions],
) -> None:
    """One attempt: the right code runs the kill switch and reports every item."""
    token = str((await state.get_data()).get("token", ""))
    await state.clear()
    try:
        result = await actions.confirm(actor, token, message.text or "")
    except ConfirmationExpired:
        await message.answer(expired_text())
        return
    except ValidationFailed:
        await message.answer(wrong_code_text())
        return
    assert isinstance(result, PanicReport)
    for part in paginate(panic_report_blocks(result)):
        await message.answer(part)


def get_router() -> Router:
    """This feature's handlers, for the one router list in `bot/dispatcher.py`."""
    return router

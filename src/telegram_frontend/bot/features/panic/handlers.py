"""/panic: the kill switch. Stops every strategy that can be stopped and cancels every open order,
but only after the user TYPES a code: a 6-digit code shown in the prompt, or their TOTP code when
they enabled two-factor in /config. One attempt per prompt; the prompt expires after the TTL.

On a mainnet deployment of a bot that serves several, the deployment's name must be typed
before the code (`mainnet 123456`): a panic meant for testnet cannot reach mainnet by habit.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message

from telegram_frontend.bot.features.panic.texts import (
    expired_text,
    panic_report_blocks,
    prompt_text,
    wrong_code_text,
    wrong_name_text,
)
from telegram_frontend.bot.middlewares import chat_action
from telegram_frontend.bot.ui.command_catalog import CommandInfo
from telegram_frontend.bot.ui.deployment_choice import DEPLOYMENT_FLAG, STATE_KEY, Scope, Target
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.errors import ConfirmationExpired, ValidationFailed
from telegram_frontend.core.formatters import paginate
from telegram_frontend.services.account.actions import PanicReport

router = Router(name="panic")
chat_action.install(router.message)


class PanicForm(StatesGroup):
    code = State()


def _name_required(target: Target) -> bool:
    """A mainnet deployment among several: its name is typed before the code."""
    return target.several and target.deployment.is_mainnet


@router.message(
    Command("panic"),
    flags={
        "role": Role.TRADER,
        DEPLOYMENT_FLAG: Scope.ONLY,
        "command": CommandInfo(
            "panic", "Stop every strategy and cancel every open order (asks for a code)", order=30
        ),
    },
)
async def panic(message: Message, actor: Actor, state: FSMContext, target: Target) -> None:
    """Explain what will happen and ask for the code; nothing happens yet."""
    challenge = await target.deployment.actions.propose_panic(actor)
    _client, own = await target.deployment.credentials.client_for(actor)
    await state.set_state(PanicForm.code)
    await state.update_data({"token": challenge.token, STATE_KEY: target.name})
    name = target.name if _name_required(target) else None
    await message.answer(target.headed(prompt_text(challenge, own, name), confirming=True))


@router.message(
    PanicForm.code,
    F.text,
    ~F.text.startswith("/"),
    flags={"role": Role.TRADER, "chat_action": "typing", DEPLOYMENT_FLAG: Scope.ONE},
)
async def panic_code(message: Message, actor: Actor, state: FSMContext, target: Target) -> None:
    """One attempt: the right code runs the kill switch and reports every item."""
    actions = target.deployment.actions
    token = str((await state.get_data()).get("token", ""))
    await state.clear()
    typed = message.text or ""
    if _name_required(target):
        name, _sep, typed = typed.strip().partition(" ")
        if name.strip().lower() != target.name:
            await actions.abandon(actor, token)
            await message.answer(wrong_name_text(target.name))
            return
    try:
        result = await actions.confirm(actor, token, typed)
    except ConfirmationExpired:
        await message.answer(expired_text())
        return
    except ValidationFailed:
        await message.answer(wrong_code_text())
        return
    assert isinstance(result, PanicReport)
    for part in paginate(target.head_blocks(panic_report_blocks(result))):
        await message.answer(part)


def get_router() -> Router:
    """This feature's handlers, for the one router list in `bot/dispatcher.py`."""
    return router

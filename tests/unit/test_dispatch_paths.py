"""How an update finds its handler: synchronous filters run on the loop, and a feature router
that takes only its own commands (and dialog steps) is skipped for every other stateless message.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Chat, Message, User

from telegram_frontend.bot.command_prefilter import ItsCommandsOnly, commands_of
from telegram_frontend.bot.dispatcher import root_router
from telegram_frontend.bot.inline_filters import run_sync_filters_inline


class Form(StatesGroup):
    step = State()


def message(text: str | None, caption: str | None = None) -> Message:
    return Message(
        message_id=1,
        date=datetime.now(UTC),
        chat=Chat(id=5, type="private"),
        from_user=User(id=5, is_bot=False, first_name="U"),
        text=text,
        caption=caption,
    )


async def test_a_synchronous_filter_runs_on_the_loops_thread() -> None:
    threads: list[int] = []

    def sync_check(event: Message) -> bool:
        threads.append(threading.get_ident())
        return True

    router = Router()
    router.message(sync_check)(lambda: None)
    assert run_sync_filters_inline(router) == 1
    (handler,) = router.message.handlers
    passed, _ = await handler.check(message("hi"))
    assert passed and threads == [threading.get_ident()]


def test_every_sync_filter_of_the_bot_runs_inline() -> None:
    routers = [root_router()]
    for router in routers:
        routers.extend(router.sub_routers)
        for observer in router.observers.values():
            for handler in [observer._handler, *observer.handlers]:
                assert all(f.awaitable for f in handler.filters or [])


def test_a_router_of_commands_and_dialog_steps_is_gated_by_its_commands() -> None:
    router = Router()
    router.message(Command("alpha"))(lambda: None)
    router.message(Form.step, F.text)(lambda: None)
    child = Router()
    child.message(Command("beta", "gamma"))(lambda: None)
    router.include_router(child)
    assert commands_of(router) == {"alpha", "beta", "gamma"}

    catch_all = Router()
    catch_all.message(Command("alpha"))(lambda: None)
    catch_all.message(F.text)(lambda: None)
    assert commands_of(catch_all) is None
    loose = Router()
    loose.message(Command("alpha", ignore_case=True))(lambda: None)
    assert commands_of(loose) is None


async def test_the_gate_lets_in_its_commands_and_anything_inside_a_dialog() -> None:
    gate = ItsCommandsOnly(frozenset({"status", "health"}))
    assert await gate(message("/status"))
    assert await gate(message("/status@some_bot now"))
    assert await gate(message(None, caption="/health"))
    for text in ("/strategy", "/Status", "status", "/", "hello", None):
        assert not await gate(message(text)), text
    assert await gate(message("hello"), raw_state="Form:step")
    assert await gate(message("/strategy"), raw_state="Form:step")


def test_only_the_fallbacks_take_every_message() -> None:
    gated = {
        router.name
        for router in root_router().sub_routers
        if any(
            isinstance(f.callback, ItsCommandsOnly) for f in router.message._handler.filters or []
        )
    }
    assert "fallback" not in gated and {"system", "strategy", "portfolio"} <= gated

"""Nobody gets past the gate: every handler of the bot, found at test time, refuses outsiders.

The router tree is walked as it stands when the test runs (so routers added later are covered
too): every declared command with its usage variants is sent, and for every button handler
callback data is crafted from its `CallbackData` factory (field types, enums, and the constants
its filter compares with) and pressed, by a stranger, a pending user, a blocked user and a
viewer. Each must get the refusal and nothing else, and nothing may change anywhere.
The command menus (what Telegram offers each role) are checked here too.
"""

from __future__ import annotations

import asyncio
import collections
import enum
import inspect
import itertools
import types
import typing
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiogram import Router
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData, CallbackQueryFilter
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery
from aiogram.types import User as TgUser
from magic_filter import MagicFilter
from sqlalchemy import select

from telegram_frontend.bot.dispatcher import root_router
from telegram_frontend.bot.error_handler import INTERNAL
from telegram_frontend.bot.middlewares.access_gate import BLOCKED, NO_ACCESS, PUBLIC
from telegram_frontend.bot.ui.command_catalog import CommandInfo
from telegram_frontend.bot.ui.command_menus import CommandMenuSync
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.database import Database
from telegram_frontend.core.runtime_state import RuntimeState
from telegram_frontend.models import AuditLog, TradingSession
from telegram_frontend.services.admin.users import UserService
from tests.e2e.crafted_presses import CraftedPresser
from tests.e2e.harness import ADMIN_ID, World, running_world, wait_for

STRANGER, PENDING, BLOCKED_ID, VIEWER = 9101, 9102, 9103, 9104
SAMPLE_STRINGS = ("x", "1", "g1", "mconservative-btc", "viewer", "trader", "admin", "blocked")
MAX_COMBINATIONS = 400
MAX_DATA_BYTES = 64
# Handlers anyone may reach; adding one is a security decision, so it is listed here by name.
PUBLIC_HANDLERS = {
    "start.start",
    "start.help_command",
    "fallback.unknown_command",
    "fallback.free_text",
    "fallback.not_text",
    "fallback.stale_button",
}
PRESSES_PER_HANDLER = 3  # distinct crafted datas that reach each handler (the stranger's)


@pytest.fixture
async def world(settings_env: dict[str, str], trading_database_url: str) -> AsyncIterator[World]:
    extra = {"RATE_LIMIT_PER_MINUTE": "100000"}  # hundreds of attempts per user, on purpose
    async with running_world(settings_env, trading_database_url, extra_env=extra) as running:
        yield running


# -- the router tree ---------------------------------------------------------------------------


def walk(router: Router) -> Iterator[Router]:
    """Routers in the order aiogram tries them: a router's own handlers, then its children."""
    yield router
    for child in router.sub_routers:
        yield from walk(child)


def needed(handler: HandlerObject) -> Role | str:
    flag = handler.flags.get("role", Role.ADMIN)
    return flag if flag == PUBLIC else Role(flag)


def harvest(value: Any, found: set[Any], depth: int = 0) -> None:
    """Every constant a filter compares with (strings, numbers, enum members), recursively."""
    if depth > 8:
        return
    if isinstance(value, enum.Enum | str | int):
        found.add(value)
    elif isinstance(value, MagicFilter):
        for operation in value._operations:
            harvest(operation, found, depth + 1)
    elif isinstance(value, dict):
        for item in value.values():
            harvest(item, found, depth + 1)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            harvest(item, found, depth + 1)
    elif hasattr(value, "__slots__") or hasattr(value, "__dict__"):
        slots = getattr(value, "__slots__", ())
        names = [slots] if isinstance(slots, str) else list(slots)
        names += list(getattr(value, "__dict__", {}))
        for name in names:
            if hasattr(value, name) and not name.startswith("__"):
                harvest(getattr(value, name), found, depth + 1)


def states_of(flt: Any) -> set[str]:
    if isinstance(flt, State) and flt.state:
        return {flt.state}
    if isinstance(flt, StateFilter):
        return {x.state if isinstance(x, State) else str(x) for x in flt.states if x} - {"None"}
    return set()


def field_candidates(annotation: Any, constants: set[Any]) -> list[Any]:
    options = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and options:
        return field_candidates(options[0], constants)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return list(annotation)
    if annotation is bool:
        return [True, False]
    if annotation is int:
        return sorted({0, 1, *(c for c in constants if type(c) is int and abs(c) < 10**9)})
    if annotation is str:
        harvested = sorted(str(c) for c in constants if type(c) is str and ":" not in c)
        return list(dict.fromkeys([*harvested, *SAMPLE_STRINGS]))
    return []


def crafted_data(factory: type[CallbackData], constants: set[Any]) -> list[str]:
    fields = factory.model_fields
    choices = [field_candidates(f.annotation, constants) for f in fields.values()]
    combos = list(itertools.islice(itertools.product(*choices), MAX_COMBINATIONS))
    # Every candidate of every field at least once, however many fields come after it.
    first = [options[0] if options else None for options in choices]
    for index, options in enumerate(choices):
        combos += [tuple([*first[:index], option, *first[index + 1 :]]) for option in options]
    packed: list[str] = []
    for values in dict.fromkeys(combos):
        try:
            data = factory(**dict(zip(fields, values, strict=True))).pack()
        except (ValueError, TypeError):
            continue
        if len(data.encode()) <= MAX_DATA_BYTES:
            packed.append(data)
    return packed


@dataclass
class Target:
    """One crafted press, the dialog state it needs (if any) and the handler it reaches."""

    data: str
    handler: HandlerObject
    state: str | None = None
    first: bool = False  # the first crafted data found for its handler


@dataclass
class Inventory:
    commands: list[tuple[str, CommandInfo, Role | str]] = field(default_factory=list)
    presses: list[Target] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)


def usage_variants(info: CommandInfo) -> list[str]:
    """`/name`, and the usage with each alternative of each argument (placeholders → 1)."""
    base = f"/{info.name}"
    words = [w.strip("[]<>") for w in info.usage.split()]
    if not words:
        return [base]
    alternatives = [w.split("|") if "|" in w else ["1" if w.isupper() else w] for w in words]
    variants = [base, " ".join([base, *(a[0] for a in alternatives)])]
    for index, options in enumerate(alternatives):
        for option in options[1:]:
            variants.append(" ".join([base, *(a[0] for a in alternatives[:index]), option]))
    return list(dict.fromkeys(variants))


async def route(data: str, routers: list[Router], state: str | None) -> HandlerObject | None:
    """The first callback handler whose filters accept `data`, in the dispatcher's order."""
    query = CallbackQuery(
        id="0", from_user=TgUser(id=1, is_bot=False, first_name="x"), chat_instance="0", data=data
    )
    for router in routers:
        observer = router.callback_query
        passed, _ = await observer._handler.check(query, raw_state=state)
        if not passed:
            continue
        for handler in observer.handlers:
            try:
                passed, _ = await handler.check(query, raw_state=state)
            except Exception:  # a filter needing data we cannot give does not match
                passed = False
            if passed:
                return handler
    return None


async def inventory() -> Inventory:
    routers = list(walk(root_router()))
    found = Inventory()
    for router in routers:
        for handler in router.message.handlers:
            info = handler.flags.get("command")
            if isinstance(info, CommandInfo):
                for text in usage_variants(info):
                    found.commands.append((text, info, needed(handler)))
    constants: dict[type[CallbackData], set[Any]] = {}
    loose: set[Any] = set()
    states: set[str] = set()
    for router in routers:
        for handler in router.callback_query.handlers:
            own: set[Any] = set()
            factory = None
            for flt in handler.filters or []:
                harvest(flt.magic if flt.magic is not None else flt.callback, own)
                if isinstance(flt.callback, CallbackQueryFilter):
                    factory = flt.callback.callback_data
                    harvest(flt.callback.rule, own)
                states.update(states_of(inspect.unwrap(flt.callback)))  # State run inline
            if factory is not None:
                constants.setdefault(factory, set()).update(own)
            loose |= own
    raw = {"zzz", *(f"{f.__prefix__}:garbage:1" for f in constants)}
    raw |= {c for c in loose if isinstance(c, str) and ":" in c}
    datas = [d for f, own in constants.items() for d in crafted_data(f, own)]
    datas = list(dict.fromkeys(datas))
    reached: set[int] = set()
    per_handler: collections.Counter[int] = collections.Counter()
    for state in [None, *sorted(states)]:  # a dialog's buttons answer only inside the dialog
        for data in [*datas, *sorted(raw)]:
            handler = await route(data, routers, state)
            if handler is not None and per_handler[id(handler)] < PRESSES_PER_HANDLER:
                found.presses.append(Target(data, handler, state, id(handler) not in reached))
                per_handler[id(handler)] += 1
                reached.add(id(handler))
    for router in routers:
        for handler in router.callback_query.handlers:
            if needed(handler) != PUBLIC and id(handler) not in reached:
                name = getattr(handler.callback, "__qualname__", "?")
                found.unreachable.append(f"{router.name}.{name}")
    return found


# -- the test ----------------------------------------------------------------------------------


def refusal(user_id: int, role: Role | str) -> str | None:
    """What `user_id` must be told by a handler needing `role` (None: they may use it)."""
    if role == PUBLIC:
        return None
    if user_id in (STRANGER, PENDING):
        return str(NO_ACCESS)
    if user_id == BLOCKED_ID:
        return str(BLOCKED)
    assert isinstance(role, Role)
    if Role.VIEWER.allows(role):
        return None
    return f"This needs the {role.value} role; you are viewer."


async def send_all(world: World, user_id: int, texts: list[str]) -> list[tuple[str, str]]:
    """Each text, and the bot's one reply to it (waited for, not slept for)."""
    client = world.app.client
    answers = []
    for text in texts:
        sent = await client.send_message(user_id, text, first_name="Outsider")
        [reply] = await client.wait_for_bot_messages(
            user_id, after_message_id=sent.message_id, count=1
        )
        answers.append((text, reply.text or ""))
    return answers


async def press_all(
    world: World, user_id: int, targets: list[Target], lanes: int = 4
) -> list[tuple[str, str, bool]]:
    """Press each target (in parallel lanes), then the ones needing a dialog state, in it."""
    messages = await world.app.client.messages(user_id)
    on = [m for m in messages if m.from_bot][-1].message_id
    dispatcher = world.app.frontend.dispatcher
    assert dispatcher is not None
    dialog = dispatcher.fsm.get_context(world.app.frontend.bot, user_id, user_id)
    answers: dict[int, tuple[str, str, bool]] = {}
    async with CraftedPresser(world.app.emulator.base_url) as presser:

        async def press(index: int) -> None:
            answer = await presser.press(user_id, on, targets[index].data)
            answers[index] = (targets[index].data, answer.text or "", answer.show_alert)

        async def lane(indexes: list[int]) -> None:
            for index in indexes:
                await press(index)

        free = [n for n, t in enumerate(targets) if t.state is None]
        await asyncio.gather(*(lane(free[k::lanes]) for k in range(lanes)))
        for index in (n for n, t in enumerate(targets) if t.state is not None):
            await dialog.set_state(targets[index].state)  # test data: mid-dialog
            await press(index)
        await dialog.clear()
    return [answers[n] for n in range(len(targets))]


def test_only_the_listed_handlers_are_public() -> None:
    public = {
        f"{router.name}.{getattr(handler.callback, '__qualname__', '?')}"
        for router in walk(root_router())
        for observer in (router.message, router.callback_query)
        for handler in observer.handlers
        if needed(handler) == PUBLIC
    }
    assert public == PUBLIC_HANDLERS


async def test_every_handler_refuses_strangers_and_too_low_roles(world: World) -> None:
    found = await inventory()
    assert not found.unreachable, f"cannot craft callback data for: {found.unreachable}"
    assert {"status", "strategy", "logs"} <= {info.name for _, info, _ in found.commands}
    assert len(found.presses) >= 10

    users = await world.app.frontend.container.get(UserService)
    admin = Actor(role=Role.ADMIN, user_id=ADMIN_ID, name="setup")
    for user_id in (PENDING, BLOCKED_ID, VIEWER):
        await users.register(user_id, None, "Outsider")
        await world.app.client.register_chat(user_id)
    await users.set_role(admin, BLOCKED_ID, Role.BLOCKED)
    await users.set_role(admin, VIEWER, Role.VIEWER)
    audit_before = len(await rows(world, AuditLog))

    plans = {
        uid: [text for text, _, role in found.commands if refusal(uid, role) is not None]
        for uid in (STRANGER, PENDING, BLOCKED_ID, VIEWER)
    }
    sent = await asyncio.gather(*(send_all(world, uid, plans[uid]) for uid in plans))
    roles = {text: role for text, _, role in found.commands}
    for uid, answers in zip(plans, sent, strict=True):
        wrong = [(text, reply) for text, reply in answers if reply != refusal(uid, roles[text])]
        assert not wrong, f"user {uid} got more than a refusal: {wrong[:5]}"
        total = len([m for m in await world.app.client.messages(uid) if m.from_bot])
        assert total == len(answers), f"user {uid} got extra messages"

    # The stranger presses every crafted datum; the others (whom the gate knows) one per
    # handler; the viewer also presses the buttons a viewer may use: never a crash.
    presses = {
        uid: [
            t
            for t in found.presses
            if needed(t.handler) != PUBLIC
            and (t.first or uid == STRANGER)
            and (refusal(uid, needed(t.handler)) is not None or uid == VIEWER)
        ]
        for uid in plans
    }
    pressed = await asyncio.gather(*(press_all(world, uid, presses[uid]) for uid in plans))
    for uid, answers in zip(plans, pressed, strict=True):
        expected = [refusal(uid, needed(t.handler)) for t in presses[uid]]
        wrong = [
            (data, text)
            for (data, text, alert), want in zip(answers, expected, strict=True)
            if (want is not None and (text != want or not alert)) or text == str(INTERNAL)
        ]
        assert not wrong, f"user {uid} got more than a refusal: {wrong[:5]}"
    await asyncio.sleep(0.3)  # anything a handler might still send would show up by now
    for uid, answers in zip(plans, sent, strict=True):
        bot_messages = [m for m in await world.app.client.messages(uid) if m.from_bot]
        assert not [m for m in bot_messages if m.text == str(INTERNAL)]
        if uid != VIEWER:
            assert len(bot_messages) == len(answers), f"user {uid} got messages from a button"

    assert len(await rows(world, AuditLog)) == audit_before
    assert await rows(world, TradingSession) == []
    assert world.backends.grid.calls == []
    assert all(state.active for state in world.backends.macd.instances.values())
    for method, path in (("DELETE", "/api/v3/order"), ("DELETE", "/api/v3/openOrders")):
        assert world.binance.calls(method, path) == 0
    assert world.binance.calls("POST", "/api/v3/order") == 0
    assert await users.get(STRANGER) is None
    assert [(await users.get(u)).role for u in (PENDING, BLOCKED_ID, VIEWER)] == [  # type: ignore[union-attr]
        "pending",
        "blocked",
        "viewer",
    ]


async def rows(world: World, model: type) -> list[Any]:
    db = await world.app.frontend.container.get(Database)
    async with db.session() as session:
        return list(await session.scalars(select(model)))


# -- command menus -----------------------------------------------------------------------------


def menu(sets: list[dict[str, Any]], scope: dict[str, Any], language: str = "") -> list[str]:
    for entry in sets:
        if entry["scope"] == scope and entry["language_code"] == language:
            return [c["command"] for c in entry["commands"]]
    return []


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
async def test_each_user_menu_shows_only_what_their_role_may_use(world: World) -> None:
    client = world.app.client

    async def default_set() -> bool:
        return menu(await client.commands(), {"type": "default"}) != []

    await wait_for(default_set, what="the default command menu")
    sets = await client.commands()
    assert menu(sets, {"type": "default"}) == ["start", "help"]
    assert menu(sets, {"type": "default"}, "ru") == ["start", "help"]

    admin = await world.app.admin()
    stranger = world.app.chat(9201, "Newcomer")
    await stranger.send("/start")
    await client.wait_for_bot_messages(ADMIN_ID)
    await admin.press("Approve as viewer")
    own = {"type": "chat", "chat_id": 9201}

    async def approved_menu() -> bool:
        return menu(await client.commands(), own) != []

    await wait_for(approved_menu, what="the approved user's menu")
    viewer_menu = menu(await client.commands(), own)
    assert {"status", "health", "strategy", "performance", "dashboard"} <= set(viewer_menu)
    assert not {"logs", "users", "panic"} & set(viewer_menu)

    users = await world.app.frontend.container.get(UserService)
    setup = Actor(role=Role.ADMIN, user_id=ADMIN_ID, name="setup")
    await users.set_role(setup, 9201, Role.BLOCKED)
    await users.register(9202, None, "Илья")
    await users.set_role(setup, 9202, Role.TRADER)
    await users.set_preferences(9202, language="ru")
    await client.register_chat(9202)
    sync = CommandMenuSync(
        world.app.frontend.bot, users, await world.app.frontend.container.get(RuntimeState)
    )
    await sync.run()  # what the start-up worker does for everyone
    sets = await client.commands()
    assert menu(sets, own) == []  # blocked: back to the public default
    trader = {"type": "chat", "chat_id": 9202}
    assert "strategy" in menu(sets, trader, "ru") and "logs" not in menu(sets, trader, "ru")
    ru = next(s for s in sets if s["scope"] == trader and s["language_code"] == "ru")
    status = next(c for c in ru["commands"] if c["command"] == "status")
    assert status["description"] == "Обзор системы: сервисы, данные, торговля"
    assert "logs" in menu(sets, {"type": "chat", "chat_id": ADMIN_ID})

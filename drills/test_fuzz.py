"""Fuzzed inputs through the real dispatcher: command arguments and callback data.

`make drills` sends 10,000; `make test` 2,500 of the same fixed sequence (the suite stays short).

Hypothesis generates the inputs (text of any script, markup characters, long and empty
arguments; callback data that is random or shaped like ours: a known prefix with random
fields). They reach the bot as Telegram would deliver them (queued at the emulator, fetched by
long polling), from admins, so every role check lets them through to the deepest code. The
proof: no handler error ("Something went wrong", counted where `handler_failed` is logged), no
message the emulator refused (a 400: bad HTML, too long, bad keyboard), every button press
answered. The inputs are the same on every run (`DRILL_FUZZ_SEED` explores others).
"Message is not modified" is not counted: refreshing an unchanged screen asks for it
on purpose (screen_replies shows it as "Up to date"). `DRILL_FUZZ_EXAMPLES` changes the count
(e.g. 2000 for a quick run).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from collections import Counter
from typing import Any

import pytest
from aiogram.filters.callback_data import CallbackData
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from drills.support import (
    INTERNAL_ERROR,
    HandlerFailures,
    add_users,
    eventually,
    internal_errors,
)
from telegram_frontend.bot.ui.command_catalog import catalog
from telegram_frontend.core.database import Database
from telegram_frontend.sandbox.telegram.emulator import TelegramEmulator
from telegram_frontend.sandbox.telegram.params import Params
from telegram_frontend.sandbox.telegram.rules import BotApiError
from telegram_frontend.sandbox.telegram.state import CallbackRecord
from tests.e2e.harness import running_frontend

pytestmark = pytest.mark.parametrize("backend", ["embedded"], indirect=True)

EXAMPLES = int(os.environ.get("DRILL_FUZZ_EXAMPLES", "10000"))
SEED = int(os.environ.get("DRILL_FUZZ_SEED", "20261124"))
USERS = list(range(66_001, 66_021))
IN_FLIGHT = 300
UNCHANGED = "message is not modified"


def _prefixes() -> list[tuple[str, str]]:
    found, todo = [], list(CallbackData.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        prefix = getattr(cls, "__prefix__", None)
        if prefix:
            found.append((prefix, getattr(cls, "__separator__", ":")))
    return sorted(found)


def _fit_64(data: str) -> str:
    """Telegram's limit: 1-64 bytes of callback data."""
    raw = data.encode()[:64].decode(errors="ignore")
    return raw or "x"


WORD = st.text(min_size=0, max_size=40)
ARGS = st.one_of(
    WORD,
    st.text(alphabet="<>&\"'/_*`[]()@#:-0123456789.,", max_size=60),
    st.lists(WORD, max_size=6).map(" ".join),
    st.text(min_size=200, max_size=5000),
    st.sampled_from(["0", "-1", "1e309", "NaN", "999999999999999999999", "BTCUSDT", "<b>x</b>"]),
)


def generate(commands: list[str], prefixes: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """("message", text) and ("callback", data) inputs, EXAMPLES of them."""
    field = st.one_of(
        st.text(max_size=12), st.integers(-(10**12), 10**12).map(str), st.sampled_from(["", "0"])
    )
    shaped = st.tuples(st.sampled_from(prefixes), st.lists(field, max_size=5)).map(
        lambda pair: pair[0][0] + pair[0][1] + pair[0][1].join(pair[1])
    )
    message = st.tuples(st.sampled_from(commands), ARGS, st.booleans()).map(
        lambda t: f"/{t[0]}{'@sandbox7000001_bot' if t[2] else ''} {t[1]}".strip()[:4096]
    )
    callback = st.one_of(shaped, st.text(min_size=1, max_size=64)).map(_fit_64)
    as_message = message.map(lambda text: ("message", text))
    as_press = callback.map(lambda data: ("callback", data))
    kind = st.booleans().flatmap(lambda first: as_message if first else as_press)
    inputs: list[tuple[str, str]] = []

    @settings(
        max_examples=EXAMPLES,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @seed(SEED)
    @given(kind)
    def collect(item: tuple[str, str]) -> None:
        inputs.append(item)

    collect()
    return inputs


def record_refusals(emulator: TelegramEmulator) -> list[str]:
    """Every refused Bot API call as "method: description (what was sent)"."""
    refusals: list[str] = []
    call = emulator.call

    async def recording(token: str, method: str, params: Params) -> Any:
        try:
            return await call(token, method, params)
        except BotApiError as error:
            sent = {k: str(v)[:80] for k, v in params.values.items() if k != "reply_markup"}
            refusals.append(f"{method}: {error.description} {sent}")
            raise

    emulator.call = recording  # type: ignore[method-assign]
    return refusals


def inject_message(emulator: TelegramEmulator, user_id: int, text: str) -> None:
    world = emulator.world
    user = world.user(user_id, first_name="Fuzz")
    chat = world.register_chat(user_id, "private", first_name="Fuzz")
    message = world.add_user_message(user, chat, text)
    world.updates.push("message", world.message_json(message))


def inject_press(emulator: TelegramEmulator, user_id: int, message_id: int, data: str) -> str:
    """A press of `data` on the bot's message, whether or not it has that button."""
    world = emulator.world
    user = world.user(user_id, first_name="Fuzz")
    message = world.message(user_id, message_id)
    assert message is not None
    record = CallbackRecord(str(secrets.randbits(63)), user_id, user_id, message_id, data)
    world.callbacks[record.id] = record
    payload = {
        "id": record.id,
        "from": user.to_api(),
        "message": world.message_json(message),
        "chat_instance": f"ci{user_id}",
        "data": data,
    }
    world.updates.push("callback_query", payload)
    return record.id


async def test_fuzzed_inputs_never_fail_a_handler_or_send_an_invalid_message(
    settings_env: dict[str, str],
) -> None:
    env = {**settings_env, "RATE_LIMIT_PER_MINUTE": "1000000", "WORKERS_ENABLED": "false"}
    with HandlerFailures() as failures:
        async with running_frontend(env) as app:
            emulator = app.emulator
            db = await app.frontend.container.get(Database)
            for user in USERS:
                await app.client.register_chat(user)
            await add_users(db, USERS, "admin")
            assert app.frontend.dispatcher is not None
            commands = [entry.info.name for entry in catalog(app.frontend.dispatcher)]
            inputs = generate(commands, _prefixes())
            targets = {}
            for user in USERS:  # a bot message in each chat to press buttons on
                replies = await app.chat(user).send("/help")
                targets[user] = replies[-1].message_id
            errors_before = internal_errors()
            refusals = record_refusals(emulator)
            presses: list[str] = []

            async def room() -> bool:
                return len(emulator.world.updates.pending) < IN_FLIGHT

            started = time.monotonic()
            for n, (kind, value) in enumerate(inputs):
                user = USERS[n % len(USERS)]
                if kind == "message":
                    inject_message(emulator, user, value)
                else:
                    presses.append(inject_press(emulator, user, targets[user], value))
                if len(emulator.world.updates.pending) >= IN_FLIGHT:
                    await eventually(room, 60, "the bot to take queued updates", step=0.01)

            async def drained() -> bool:
                calls = emulator.stats.calls.total()
                await asyncio.sleep(0.5)
                quiet = emulator.stats.calls.total() == calls
                return not emulator.world.updates.pending and quiet

            await eventually(drained, 120, "the bot to work through every input", step=0)
            took = time.monotonic() - started
            failed = [
                (m.chat_id, (m.text or "")[:120])
                for user in USERS
                for m in emulator.world.chat_messages(user)
                if m.from_bot and INTERNAL_ERROR in (m.text or "")
            ]
            answers = [emulator.world.callbacks[p] for p in presses]
            unanswered = [a.id for a in answers if not a.answered]
            failed += [
                (a.chat_id, a.text or "") for a in answers if INTERNAL_ERROR in (a.text or "")
            ]
            handler_errors = internal_errors() - errors_before

    kinds = Counter(kind for kind, _ in inputs)
    unchanged = [r for r in refusals if UNCHANGED in r]
    invalid = [r for r in refusals if UNCHANGED not in r]
    print(
        f"{len(inputs)} inputs ({dict(kinds)}) in {took:.0f} s; refused {len(invalid)}, "
        f"unchanged screens {len(unchanged)}"
    )
    assert len(inputs) >= EXAMPLES * 0.9
    assert handler_errors == 0, failures.errors[:5]
    assert failed == []
    assert invalid == [], f"messages Telegram refused: {invalid[:5]}"
    assert unanswered == [], f"{len(unanswered)} presses never answered"

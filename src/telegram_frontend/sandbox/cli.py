"""`tgfront sandbox` runs the whole product offline; `tgfront sandbox chat` talks to it."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from telegram_frontend.core.logging import configure_logging
from telegram_frontend.sandbox.telegram.emulator_client import (
    ChatMessage,
    EmulatorClient,
    EmulatorTimeout,
)

if TYPE_CHECKING:
    from telegram_frontend.sandbox.world import SandboxWorld

_TAG = re.compile(r"<[^>]+>")


def register(sub: Any) -> None:
    parser = sub.add_parser("sandbox", help="run everything offline: emulated Telegram and fakes")
    parser.add_argument("--data-dir", default="./data/sandbox", help="where the sandbox keeps data")
    parser.add_argument("--emulator-port", type=int, default=8081)
    parser.add_argument("--http-port", type=int, default=8000)
    parser.add_argument("--log-level", default="WARNING")
    parser.add_argument(
        "--pace",
        type=float,
        default=1.0,
        help="real seconds per simulated minute of trading (1: a trade every minute or two)",
    )
    parser.set_defaults(func=cmd_sandbox)
    inner = parser.add_subparsers(dest="sandbox_command")
    chat = inner.add_parser("chat", help="a terminal chat with the sandbox bot")
    chat.add_argument("--user", type=int, default=1, help="who you are (1 admin, 2 trader, ...)")
    chat.add_argument("--url", default="http://127.0.0.1:8081", help="the emulator's address")
    chat.set_defaults(func=cmd_chat)


def _banner(world: SandboxWorld) -> str:
    from telegram_frontend.sandbox.world import SANDBOX_USERS, STRANGER_ID

    base = world.emulator.base_url
    api = f"http://127.0.0.1:{world.frontend.http_port}" if world.frontend else "?"
    people = ", ".join(f"{u.user_id} {u.name} ({u.role.value})" for u in SANDBOX_USERS)
    return "\n".join(
        [
            "Sandbox running: emulated Telegram, fake trading system, fake Binance.",
            f"  Telegram emulator: {base}   frontend API: {api}   (health: {api}/health/ready)",
            f"  Users: {people}, {STRANGER_ID} stranger. Admin id: {SANDBOX_USERS[0].user_id}",
            "Talk to the bot:",
            f"  {base}/sandbox   # the web chat in a browser: pick a user, type, press buttons",
            "  tgfront sandbox chat --user 1            # a terminal chat (numbers press buttons)",
            f"  curl -s -X POST {base}/sandbox/users/1/messages "
            "-H 'content-type: application/json' -d '{\"text\": \"/help\"}'",
            f"  curl -s {base}/sandbox/chats/1/messages",
            "Break a backend (down, up, slow, error, clear) to see the outage and recovery alerts:",
            f"  curl -s -X POST {base}/sandbox/faults -H 'content-type: application/json' "
            '-d \'{"service": "grid_trader", "fault": "down"}\'',
            "Stop with Ctrl+C.",
        ]
    )


def cmd_sandbox(args: argparse.Namespace) -> int:
    """Importing the world (aiogram, FastAPI) is deferred so every other command starts fast."""
    from telegram_frontend.sandbox.world import SandboxWorld, default_config

    configure_logging(args.log_level, "console")
    config = default_config(
        Path(args.data_dir),
        emulator_port=args.emulator_port,
        http_port=args.http_port,
        step_seconds=args.pace,
    )

    async def main(stop: asyncio.Event) -> None:
        world = SandboxWorld(config)
        await world.start()
        try:
            await world.wait_connected()
            print(_banner(world), flush=True)
            await stop.wait()
        finally:
            await world.stop()

    from telegram_frontend.cli.run import run_until_signal

    return run_until_signal(main)


def render(message: ChatMessage) -> str:
    """A bot message as terminal text: tags dropped, buttons numbered."""
    text = message.text or message.caption or ""
    if message.photo:
        text = f"[photo] {text}"
    if message.document:
        text = f"[document {message.document.get('file_name', '')}] {text}"
    edited = " (edited)" if message.edited else ""
    lines = [f"bot{edited}: {_TAG.sub('', text)}"]
    number = 0
    for row in message.buttons:
        cells = []
        for button in row:
            number += 1
            cells.append(f"[{number}] {button.get('text', '')}")
        lines.append("    " + "   ".join(cells))
    return "\n".join(lines)


def _buttons(message: ChatMessage) -> list[dict[str, Any]]:
    return [b for row in message.buttons for b in row]


async def _chat(url: str, user_id: int) -> None:
    async with EmulatorClient(url) as client:
        seen = max((m.revision for m in await client.messages(user_id)), default=0)
        last_with_buttons: ChatMessage | None = None
        print(f"You are user {user_id}. Type a command (/help), a number to press a button, /quit.")
        loop = asyncio.get_running_loop()
        while True:
            line = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
            if not line or line == "/quit":
                return
            if line.isdigit() and last_with_buttons is not None:
                buttons = _buttons(last_with_buttons)
                index = int(line) - 1
                if not 0 <= index < len(buttons) or "callback_data" not in buttons[index]:
                    print("No such button.")
                    continue
                pressed = await client.press_button(
                    user_id, last_with_buttons.message_id, buttons[index]["callback_data"]
                )
                answer = await client.wait_for_callback_answer(pressed.callback_query_id)
                if answer.text:
                    print(f"bot (popup): {answer.text}")
            else:
                await client.send_message(user_id, line)
            try:
                history = await client.history(user_id, after_revision=seen, wait_s=5)
            except EmulatorTimeout:
                continue
            await asyncio.sleep(0.3)
            history = await client.history(user_id)
            for message in history.messages:
                if message.from_bot and message.revision > seen:
                    print(render(message))
                    if message.buttons:
                        last_with_buttons = message
            seen = history.revision


def cmd_chat(args: argparse.Namespace) -> int:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_chat(args.url, args.user))
    return 0

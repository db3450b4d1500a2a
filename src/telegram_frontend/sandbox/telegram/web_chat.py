"""The sandbox's web chat: a Telegram-like page at /sandbox on the Bot API emulator.

The page (`web/index.html`, `web/app.js`, `web/style.css`, shipped as package data) is served as
is and talks only to the emulator's /sandbox/ JSON control API, the same one the tests and the
terminal chat use, so trying the bot in a browser exercises nothing the tests do not.
A strict Content-Security-Policy backs up the page's own rule of never inserting HTML.
"""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING, Any

from aiohttp import web

from telegram_frontend.sandbox.telegram.state import bot_user

if TYPE_CHECKING:
    from telegram_frontend.sandbox.telegram.emulator import TelegramEmulator

PAGE = "index.html"
ASSETS = {
    "index.html": "text/html",
    "app.js": "text/javascript",
    "style.css": "text/css",
}
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def web_file(name: str) -> bytes:
    """One file of the page, read from the installed package (works from a wheel too)."""
    return (resources.files("telegram_frontend.sandbox") / "web" / name).read_bytes()


class WebChat:
    """Routes of the page: GET /sandbox (and /sandbox/), its assets, and who can chat."""

    def __init__(self, emulator: TelegramEmulator) -> None:
        self.emulator = emulator

    def register(self, app: web.Application) -> None:
        router = app.router
        router.add_get("/sandbox", self.page)
        router.add_get("/sandbox/", self.page)
        router.add_get("/sandbox/web/users.json", self.users)
        router.add_get("/sandbox/web/{name}", self.asset)

    async def page(self, request: web.Request) -> web.Response:
        return _file_response(PAGE)

    async def asset(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in ASSETS:
            raise web.HTTPNotFound(text="no such file")
        return _file_response(name)

    async def users(self, request: web.Request) -> web.Response:
        """The seeded sandbox users, then everyone else with a private chat in the emulator."""
        from telegram_frontend.sandbox.world import SANDBOX_USERS, STRANGER_ID

        listed: list[dict[str, Any]] = [
            {"id": user.user_id, "name": user.name, "role": user.role.value}
            for user in SANDBOX_USERS
        ]
        listed.append({"id": STRANGER_ID, "name": "Stranger", "role": "stranger"})
        known = {entry["id"] for entry in listed}
        world = self.emulator.world
        for chat in sorted(world.chats.values(), key=lambda c: c.id):
            if chat.type != "private" or chat.id in known:
                continue
            profile = world.users.get(chat.id)
            name = chat.first_name or (profile.first_name if profile else None) or "User"
            listed.append({"id": chat.id, "name": name, "role": None})
            known.add(chat.id)
        bot = bot_user(self.emulator.bot_id())
        return web.json_response({"users": listed, "bot_username": bot["username"]})


def _file_response(name: str) -> web.Response:
    return web.Response(
        body=web_file(name),
        content_type=ASSETS[name],
        charset="utf-8",
        headers=_HEADERS,
    )

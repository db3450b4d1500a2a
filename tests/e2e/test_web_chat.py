"""The sandbox web chat (/sandbox on the emulator) in headless Chromium, against the real bot.

A person opens the page, types as a sandbox user, presses inline buttons and watches edits land
in place; bot formatting is rebuilt from entities and nobody's text ever becomes markup. Outside
CI the browser tests skip when /usr/bin/chromium is missing; under CI=true that is a failure.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, async_playwright, expect

from telegram_frontend.sandbox.telegram.emulator import TelegramEmulator
from telegram_frontend.sandbox.telegram.web_chat import ASSETS
from tests.e2e.harness import ADMIN_ID, World

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
IN_CI = os.environ.get("CI", "").lower() == "true"
WAIT_MS = 15_000

# The page is the same on every database: one backend keeps the browser tests fast.
one_backend = pytest.mark.parametrize("backend", ["embedded"], indirect=True)


def chromium_present() -> bool:
    return CHROMIUM.exists()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not chromium_present():
        message = f"{CHROMIUM} is missing (apt-get install -y chromium)"
        if IN_CI:
            pytest.fail(f"{message}; under CI=true that is a failure, not a skip")
        pytest.skip(message)
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


class PageProblems(list[str]):
    """Script errors and failed requests of the page; a test ends by asserting there are none."""


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[tuple[Page, PageProblems]]:
    context = await browser.new_context(
        viewport={"width": 900, "height": 1100}, locale="en-GB", timezone_id="UTC"
    )
    problems = PageProblems()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "Failed to load resource" not in message.text:
            problems.append(f"console: {message.text}")

    opened = await context.new_page()
    opened.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    opened.on("console", on_console)
    opened.on(
        "response",
        lambda r: problems.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None,
    )
    try:
        yield opened, problems
    finally:
        await context.close()


async def open_chat(page: Page, world: World, user_id: int) -> None:
    await page.goto(f"{world.app.emulator.base_url}/sandbox?user={user_id}")
    await expect(page.locator("#status")).to_contain_text("online", timeout=WAIT_MS)


async def type_message(page: Page, text: str) -> None:
    await page.locator("#text").fill(text)
    await page.locator("#text").press("Enter")


def entity_texts(text: str, entities: list[dict[str, Any]], kind: str) -> list[str]:
    """What Telegram would show in `kind` (offsets count UTF-16 units, as Telegram's do)."""
    units = text.encode("utf-16-le")
    return [
        units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in entities
        if e["type"] == kind
    ]


def screenshot_path(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name


@one_backend
async def test_admin_types_status_and_refresh_edits_the_reply_in_place(
    page: tuple[Page, PageProblems], world: World
) -> None:
    tab, problems = page
    await world.app.admin()
    await open_chat(tab, world, ADMIN_ID)

    await type_message(tab, "/status")
    mine = tab.locator(".message.outgoing").last
    await expect(mine).to_have_text(re.compile(r"^/status"), timeout=WAIT_MS)
    refresh = tab.get_by_role("button", name="🔄 Refresh")
    await expect(refresh).to_be_visible(timeout=WAIT_MS)
    reply = tab.locator(".message.incoming").filter(has=refresh)
    stored = [m for m in await world.app.client.messages(ADMIN_ID) if m.from_bot][-1]
    assert await reply.get_attribute("data-message-id") == str(stored.message_id)
    assert await reply.locator(".text").text_content() == stored.text
    bold = await reply.locator(".text b").all_text_contents()
    assert bold == entity_texts(stored.text or "", stored.entities, "bold")
    assert bold[0] == "System status"
    assert "Open positions: 0" in (stored.text or "")
    await expect(reply.locator(".edited")).to_have_count(0)

    await world.backends.step({"conservative-btc": "BUY"})
    await refresh.click()

    edited = tab.locator(f'.message[data-message-id="{stored.message_id}"]')
    await expect(edited.locator(".edited")).to_have_text("edited", timeout=WAIT_MS)
    await expect(edited.locator(".text")).to_contain_text("Open positions: 1")
    await expect(tab.locator("#toast")).to_have_text("Updated")
    after = next(
        m for m in await world.app.client.messages(ADMIN_ID) if m.message_id == stored.message_id
    )
    assert after.edited and after.revision > stored.revision
    assert await edited.locator(".text").text_content() == after.text
    await expect(tab.get_by_role("button", name="🔄 Refresh")).to_have_count(1)  # not sent anew
    chat = await world.app.client.messages(ADMIN_ID)
    shown = await tab.locator(".message").evaluate_all("rows => rows.map(r => r.dataset.messageId)")
    assert shown == [str(m.message_id) for m in chat]
    await tab.screenshot(path=screenshot_path("web_chat_status_refresh.png"), full_page=True)
    assert problems == []


@one_backend
async def test_a_strangers_markup_is_shown_as_text_and_the_admin_approves_by_button(
    page: tuple[Page, PageProblems], world: World
) -> None:
    tab, problems = page
    await world.app.admin()
    await open_chat(tab, world, ADMIN_ID)
    hostile = 'Eve <img src=x onerror="window.pwned=1"> <b>boss</b>'
    await world.app.chat(4242, hostile, "eve_42").send("/start")

    approve = tab.get_by_role("button", name="Approve as viewer")
    await expect(approve).to_be_visible(timeout=WAIT_MS)
    with_buttons = tab.locator(".message.incoming").filter(has=approve)
    message_id = await with_buttons.get_attribute("data-message-id")
    request = tab.locator(f'.message[data-message-id="{message_id}"]')
    await expect(request.locator(".text")).to_contain_text(f"Access request from {hostile}")
    assert await tab.locator(".messages img").count() == 0
    assert await tab.evaluate("window.pwned === undefined")
    stored = [m for m in await world.app.client.messages(ADMIN_ID) if m.buttons][-1]
    bold = await request.locator(".text b").all_text_contents()
    assert bold == entity_texts(stored.text or "", stored.entities, "bold")
    assert "boss" not in bold

    await approve.click()
    await expect(request.locator(".edited")).to_be_visible(timeout=WAIT_MS)
    await expect(request.locator(".text")).to_contain_text("approved as viewer")
    await expect(tab.locator("#toast")).to_have_text("User approved as viewer.")
    await expect(request.get_by_role("button")).to_have_count(0)
    assert problems == []


@one_backend
async def test_switching_users_shows_each_ones_own_chat_and_sends_as_them(
    page: tuple[Page, PageProblems], world: World
) -> None:
    tab, problems = page
    await world.app.admin()
    await open_chat(tab, world, ADMIN_ID)
    await type_message(tab, "/help")
    await expect(tab.locator(".message.incoming").last).to_contain_text(
        "Your role: admin", timeout=WAIT_MS
    )

    labels = await tab.locator("#user option").all_text_contents()
    assert labels[:4] == [
        "1 · Ada Admin (admin)",
        "2 · Tom Trader (trader)",
        "3 · Vera Viewer (viewer)",
        "4 · Stranger (stranger)",
    ]
    assert any(label.startswith(f"{ADMIN_ID} · ") for label in labels[4:])
    await tab.locator("#user").select_option("4")
    await expect(tab.locator(".message")).to_have_count(0)
    await tab.locator("#menu").click()  # a stranger's menu: the bot's default command list
    menu = tab.locator("#commands .command-name")
    await expect(menu).to_have_text(["/start", "/help"])
    await tab.locator("#commands .command-item", has_text="/help").click()
    await expect(tab.locator("#commands")).to_be_hidden()
    reply = tab.locator(".message.incoming")
    await expect(reply).to_have_text(
        re.compile(r"^Send /start to ask an administrator for access\."), timeout=WAIT_MS
    )
    assert tab.url.endswith("/sandbox?user=4")
    stranger_chat = await world.app.client.messages(4)
    assert [m.text for m in stranger_chat if not m.from_bot] == ["/help"]

    await reply.locator("a.command", has_text="/start").click()
    await expect(tab.locator(".message.outgoing").last).to_have_text(
        re.compile(r"^/start"), timeout=WAIT_MS
    )
    await expect(tab.locator(".message.incoming").last).to_contain_text(
        "Your access request has been sent", timeout=WAIT_MS
    )
    assert problems == []


@one_backend
async def test_a_chart_photo_is_shown_from_the_emulators_files(
    page: tuple[Page, PageProblems], world: World
) -> None:
    tab, problems = page
    await world.app.admin()
    await open_chat(tab, world, ADMIN_ID)
    await type_message(tab, "/portfolio")
    allocation = tab.get_by_role("button", name="📊 Allocation")
    await expect(allocation).to_be_visible(timeout=WAIT_MS)
    portfolio = [m for m in await world.app.client.messages(ADMIN_ID) if m.buttons][-1]
    card = tab.locator(f'.message[data-message-id="{portfolio.message_id}"] .text')
    assert await card.text_content() == portfolio.text
    tables = await card.locator("pre").all_text_contents()
    assert tables == entity_texts(portfolio.text or "", portfolio.entities, "pre")
    assert len(tables) == 2 and tables[0].startswith("Asset")
    await allocation.click()

    photo = tab.locator(".message.incoming img.photo").last
    await expect(photo).to_be_visible(timeout=WAIT_MS)
    await expect(photo).to_have_js_property("complete", True)
    assert await photo.evaluate("image => image.naturalWidth") > 100
    stored = [m for m in await world.app.client.messages(ADMIN_ID) if m.photo][-1]
    assert stored.photo is not None
    assert await photo.get_attribute("src") == f"/sandbox/files/{stored.photo[-1]['file_id']}"
    await tab.screenshot(path=screenshot_path("web_chat_photo.png"))
    assert problems == []


async def test_the_page_is_served_beside_the_json_control_api() -> None:
    """No browser needed: the routes, their headers, and that the JSON API still answers."""
    async with TelegramEmulator() as emulator:
        emulator.world.register_chat(77, "private", first_name="Zoe")
        async with httpx.AsyncClient(base_url=emulator.base_url) as http:
            for path in ("/sandbox", "/sandbox/"):
                page = await http.get(path)
                assert page.status_code == 200
                assert page.headers["content-type"].startswith("text/html")
                assert "script-src 'self'" in page.headers["content-security-policy"]
                assert '<script src="/sandbox/web/app.js"' in page.text
            script = await http.get("/sandbox/web/app.js")
            assert script.headers["content-type"].startswith("text/javascript")
            assert "innerHTML" not in script.text and "insertAdjacentHTML" not in script.text
            style = await http.get("/sandbox/web/style.css")
            assert style.headers["content-type"].startswith("text/css")
            for missing in ("/sandbox/web/secrets.txt", "/sandbox/web/..%2Fweb_chat.py"):
                assert (await http.get(missing)).status_code == 404
            health = await http.get("/sandbox/health")
            assert health.json() == {"ok": True, "base_url": emulator.base_url}
            listing = (await http.get("/sandbox/web/users.json")).json()
            assert [u["id"] for u in listing["users"]] == [1, 2, 3, 4, 77]
            assert listing["users"][-1] == {"id": 77, "name": "Zoe", "role": None}
            sent = await http.post("/sandbox/users/77/messages", json={"text": "/start"})
            assert sent.status_code == 200


def test_the_page_ships_inside_the_package() -> None:
    folder = resources.files("telegram_frontend.sandbox") / "web"
    for name in ASSETS:
        assert (folder / name).is_file(), name


@one_backend
async def test_a_backend_is_taken_down_and_up_from_the_page(
    world: World, page: tuple[Page, PageProblems]
) -> None:
    opened, problems = page
    await open_chat(opened, world, ADMIN_ID)
    await opened.locator("#fault-service").select_option("grid_trader")
    await opened.locator("#fault-kind").select_option("down")
    await opened.locator("#fault-apply").click()
    await expect(opened.locator("#toast")).to_contain_text("grid_trader: down (now down)")
    assert world.backends.servers["grid_trader"].is_up is False
    await opened.locator("#fault-kind").select_option("up")
    await opened.locator("#fault-apply").click()
    await expect(opened.locator("#toast")).to_contain_text("grid_trader: up (now up)")
    assert world.backends.servers["grid_trader"].is_up is True
    assert problems == []

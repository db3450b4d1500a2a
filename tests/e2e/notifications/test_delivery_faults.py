"""Delivery through a misbehaving Telegram: every notification arrives exactly once, in order.

The emulator injects 429 storms, 5xx answers, dropped connections and answers slower than our
timeout, and one user blocks the bot; the chats' histories are the proof.
"""

from __future__ import annotations

import httpx

from telegram_frontend.services.admin.users import UserService
from tests.e2e.harness import running_frontend
from tests.e2e.notifications.support import (
    FAST_DELIVERY,
    SEND_TIMEOUT_S,
    bot_texts,
    enqueue,
    enqueue_together,
    rows,
    subscribe,
    wait_settled,
)

CHATS = [2001, 2002, 2003, 2004]
BLOCKED = 2005


async def test_faults_and_a_blocked_user_lose_nothing_and_repeat_nothing(
    settings_env: dict[str, str],
) -> None:
    async with running_frontend({**settings_env, **FAST_DELIVERY}) as app:
        await subscribe(app, [*CHATS, BLOCKED])
        await app.client.block(BLOCKED)
        await app.client.add_fault("sendMessage", 429, count=6, retry_after=1)
        await app.client.add_fault("sendMessage", 502, count=3)
        await app.client.add_fault("sendMessage", "drop", count=2)
        # answers slower than our timeout: we give up first, Telegram never stores them
        await app.client.add_fault("sendMessage", 504, count=2, delay_s=SEND_TIMEOUT_S + 0.5)
        await app.client.add_fault("sendMessage", 500, count=2)
        await enqueue_together(app, [f"n{n}" for n in range(6)], [*CHATS, BLOCKED])
        await wait_settled(app, 6 * 5, timeout=40)
        for chat in CHATS:
            assert await bot_texts(app, chat) == [f"notice n{n}" for n in range(6)]
        assert await bot_texts(app, BLOCKED) == []
        stats = await app.client.stats()
        assert stats.flood_429 == 6
        assert stats.errors_by_code.get("403", 0) == 1, stats  # one refusal fails every row
        blocked_rows = [r for r in await rows(app) if r.chat_id == BLOCKED]
        assert {r.status for r in blocked_rows} == {"failed"}
        assert all("blocked" in (r.last_error or "") for r in blocked_rows)
        users = await app.frontend.container.get(UserService)
        blocked_user = await users.get(BLOCKED)
        assert blocked_user is not None and blocked_user.is_active is False


async def test_refused_html_goes_out_once_as_plain_text_and_other_400s_are_not_retried(
    settings_env: dict[str, str],
) -> None:
    async with running_frontend({**settings_env, **FAST_DELIVERY}) as app:
        await subscribe(app, [2101])
        await enqueue(app, "broken", [2101], text="<b>BTC_USDT moved <i>5%</b>")
        await enqueue(app, "after", [2101], text="still in order")
        await wait_settled(app, 2)
        assert await bot_texts(app, 2101) == ["BTC_USDT moved 5%", "still in order"]
        first = (await rows(app))[0]
        assert first.status == "sent" and "sent as plain text" in (first.last_error or "")
        await app.client.add_fault("sendMessage", 400, count=1, description="Bad Request: nope")
        await enqueue(app, "refused", [2101])
        await wait_settled(app, 3)
        refused = (await rows(app))[-1]
        assert (refused.status, refused.attempts) == ("failed", 1)
        assert refused.last_error == "400: Bad Request: nope"
        stats = await app.client.stats()
        assert stats.calls["sendMessage"] == 4  # html, plain fallback, "after", the refused one
        async with httpx.AsyncClient(base_url=app.http_base) as http:
            metrics = (await http.get("/metrics")).text
        for line in (
            'tgfront_deliveries_total{result="sent_plain"}',
            'tgfront_deliveries_total{result="refused"}',
            "tgfront_outbox_depth ",
            "tgfront_outbox_oldest_age_seconds ",
        ):
            assert line in metrics

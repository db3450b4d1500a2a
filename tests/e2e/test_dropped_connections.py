"""A dropped connection or a 5xx on a call that is safe to repeat is repeated, not a failure.

A button press whose answer met a dropped keep-alive connection stayed spinning for the user and
was counted as a handler failure (seen in drills/test_fuzz.py). Replies are never repeated this
way: Telegram may have stored the first one.
"""

from __future__ import annotations

import pytest

from telegram_frontend.core.access import Role
from tests.e2e.harness import RunningFrontend

VIEWER_ID = 5101


@pytest.mark.parametrize("fault", ["drop", 502])
async def test_a_button_answer_lost_on_the_way_is_sent_again(
    app: RunningFrontend, fault: str | int
) -> None:
    viewer = await app.user_with_role(VIEWER_ID, Role.VIEWER)
    await viewer.send("/status")
    await app.client.add_fault("answerCallbackQuery", fault, count=1)
    pressed = await viewer.press("🔄 Refresh")
    assert pressed.answer.text in ("Up to date", "Updated")
    stats = await app.client.stats()
    assert stats.calls["answerCallbackQuery"] == 2  # the lost one and the repeat


async def test_a_reply_is_not_repeated_after_a_dropped_connection(app: RunningFrontend) -> None:
    viewer = await app.user_with_role(VIEWER_ID, Role.VIEWER)
    [first] = await viewer.send("/help")
    await app.client.add_fault("sendMessage", "drop", count=1)
    [failed] = await viewer.send("/help")  # the reply was lost; the user is told, once
    assert failed.text != first.text
    bot = [m.text for m in await app.client.messages(VIEWER_ID) if m.from_bot]
    assert bot == [first.text, failed.text]

"""The money core under attack (security review findings 7, 8 and 9), on both databases.

A foreign press neither uses nor spoils a confirmation; TOTP locks after five wrong codes (audited,
admins told) and can be required for orders and cancel-all; bad /order arguments are refused
before any confirmation exists.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import pyotp
import pytest
from sqlalchemy import select

from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.errors import ConfirmationExpired, ValidationFailed
from telegram_frontend.models import OutboxMessage
from telegram_frontend.services.account.actions import PLACE_ORDER
from telegram_frontend.services.account.credentials import (
    TOTP_MAX_FAILURES,
    InvalidTotpCode,
    TotpLocked,
    TotpRequired,
)
from telegram_frontend.services.account.orders import PlacedOrder
from telegram_frontend.services.admin.audit import AuditService
from telegram_frontend.services.admin.system_config import ConfigService
from telegram_frontend.services.admin.users import UserService
from telegram_frontend.services.notifications.service import NotificationService, OutboxSignal

from .account_fixtures import *  # noqa: F403 (the `core` fixture)
from .account_fixtures import OTHER_TRADER, TRADER, Core
from .backend_fixtures import *  # noqa: F403 (the fixtures)
from .binance_fixtures import *  # noqa: F403 (the fixtures)

ADMIN = Actor(role=Role.ADMIN, user_id=90, name="boss")


async def _enable_totp(core: Core) -> pyotp.TOTP:
    setup = await core.credentials.begin_totp(TRADER)
    totp = pyotp.TOTP(setup.secret)
    await core.credentials.confirm_totp(TRADER, totp.now())
    return totp


def _fresh(totp: pyotp.TOTP, step: int = 1) -> str:
    """A valid code not used yet (each code is accepted once)."""
    return totp.at(time.time() + step * totp.interval)


def _count_issued(core: Core, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A spy on the confirmation store: the actions it was asked to keep."""
    confirmations = core.actions._confirmations
    issued: list[str] = []
    real = confirmations.issue

    async def spy(user_key: str, action: str, payload: dict[str, Any], **kw: Any) -> Any:
        issued.append(action)
        return await real(user_key, action, payload, **kw)

    monkeypatch.setattr(confirmations, "issue", spy)
    return issued


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("B" * 5000, "BUY", "MARKET", "0.001"), "is not a trading pair"),
        (("BTCUSDT", "BUY", "MARKET", "1e999999"), "out of range"),
        (("BTCUSDT", "BUY", "MARKET", "NaN"), "is not a number"),
        (("BTCUSDT", "BUY", "MARKET", "Infinity"), "is not a number"),
        (("BTCUSDT", "BUY", "MARKET", "-1"), "above zero"),
        (("BTCUSDT", "BUY", "MARKET", "9" * 5000), "is not a number"),
        (("BTCUSDT", "BUY", "MARKET", "0.000000000000000000001"), "out of range"),
        (("BTC/USDT", "BUY", "MARKET", "0.001"), "is not a trading pair"),
        (("BTCUSDT", "HOLD", "MARKET", "0.001"), "must be one of BUY, SELL"),
        (("BTCUSDT", "BUY", "LIMIT", "0.001"), "needs a price"),
    ],
)
async def test_bad_order_arguments_are_refused_before_a_confirmation_exists(
    core: Core, args: tuple[str, str, str, str], says: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    issued = _count_issued(core, monkeypatch)
    with pytest.raises(ValidationFailed) as refused:
        await core.actions.propose_place_order(TRADER, *args)
    assert says in refused.value.user_message
    assert len(refused.value.user_message) < 200  # never echoes a 5,000-character input
    assert issued == []
    await core.actions.propose_place_order(TRADER, "BTCUSDT", "BUY", "MARKET", "0.001")
    assert issued == [PLACE_ORDER]  # the spy sees a valid one


async def test_a_foreign_press_neither_uses_nor_spoils_a_pending_order(core: Core) -> None:
    proposal = await core.actions.propose_place_order(TRADER, "BTCUSDT", "BUY", "MARKET", "0.001")
    with pytest.raises(ConfirmationExpired):
        await core.actions.confirm(OTHER_TRADER, proposal.token)
    assert await core.actions.abandon(OTHER_TRADER, proposal.token) is False
    placed = await core.actions.confirm(TRADER, proposal.token)
    assert isinstance(placed, PlacedOrder)


async def test_totp_locks_after_five_wrong_codes_even_for_the_right_one(core: Core) -> None:
    users = UserService(core.database, AuditService(core.database), admin_ids=[ADMIN.user_id or 0])
    await users.register(ADMIN.user_id or 0, "boss", "Boss")
    notifications = NotificationService(core.database, OutboxSignal())
    core.credentials._notifications = notifications
    totp = await _enable_totp(core)
    for _ in range(TOTP_MAX_FAILURES - 1):
        with pytest.raises(InvalidTotpCode):
            await core.credentials.disable_totp(TRADER, "000000")
    with pytest.raises(TotpLocked, match="locked for 15 minutes"):
        await core.credentials.disable_totp(TRADER, "000000")
    with pytest.raises(TotpLocked):
        await core.credentials.disable_totp(TRADER, _fresh(totp))
    assert await core.credentials.totp_enabled(TRADER.user_id) is True
    [locked] = await core.audit("totp.locked")
    assert (locked.target, locked.result) == (f"user:{TRADER.user_id}", "denied")
    async with core.database.session() as session:
        rows = list(await session.scalars(select(OutboxMessage)))
    assert [r.chat_id for r in rows] == [ADMIN.user_id]
    assert "locked for 15 min" in rows[0].text


async def test_orders_and_cancel_all_can_require_the_users_totp(core: Core) -> None:
    config = ConfigService(core.database, AuditService(core.database))
    await config.set(ADMIN, "security.totp_for_actions", "on")
    with pytest.raises(TotpRequired, match="set it up"):
        await core.actions.propose_place_order(TRADER, "BTCUSDT", "BUY", "MARKET", "0.001")
    totp = await _enable_totp(core)
    proposal = await core.actions.propose_place_order(TRADER, "BTCUSDT", "BUY", "MARKET", "0.001")
    assert proposal.totp is True and proposal.action == PLACE_ORDER
    with pytest.raises(TotpRequired):
        await core.actions.confirm(TRADER, proposal.token)
    proposal = await core.actions.propose_place_order(TRADER, "BTCUSDT", "BUY", "MARKET", "0.001")
    with pytest.raises(InvalidTotpCode):
        await core.actions.confirm(TRADER, proposal.token, "123456")
    assert core.fake.calls("POST", "/api/v3/order") == 0
    proposal = await core.actions.propose_place_order(TRADER, "BTCUSDT", "BUY", "MARKET", "0.001")
    placed = await core.actions.confirm(TRADER, proposal.token, _fresh(totp))
    assert isinstance(placed, PlacedOrder) and placed.order.orig_qty == Decimal("0.001")
    cancel_all = await core.actions.propose_cancel_all(TRADER, "ETHUSDT")
    assert cancel_all.totp is True


async def test_a_user_may_require_totp_for_themselves_and_only_a_code_switches_it_off(
    core: Core,
) -> None:
    with pytest.raises(TotpRequired):
        await core.credentials.set_totp_for_actions(TRADER, True)
    totp = await _enable_totp(core)
    await core.credentials.set_totp_for_actions(TRADER, True)
    assert await core.credentials.totp_required_for_actions(TRADER) is True
    assert await core.credentials.totp_required_for_actions(OTHER_TRADER) is False
    with pytest.raises(InvalidTotpCode):
        await core.credentials.set_totp_for_actions(TRADER, False, "000000")
    await core.credentials.set_totp_for_actions(TRADER, False, _fresh(totp))
    assert await core.credentials.totp_required_for_actions(TRADER) is False

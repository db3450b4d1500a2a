"""The one core for actions that move money or stop trading: cancel, cancel all, place, panic.

The bot and the API both call these methods. Each checks the role (through the services it
calls), acts on the actor's own Binance account or the system one, and writes one audit record
with the result, failures and refusals included. Confirmation is part of the core too: a door
asks `propose_*` for a one-time token (and, for the kill switch, a typed code or TOTP), then hands
the token back to `confirm`, so a stale, replayed or foreign confirmation can never act.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Literal, TypeVar

from telegram_frontend.clients.binance.models import Order, plain
from telegram_frontend.core.access import Actor, Role, require
from telegram_frontend.core.errors import (
    BackendUnsupported,
    ConfirmationExpired,
    FrontendError,
    PermissionDenied,
    ValidationFailed,
)
from telegram_frontend.core.formatters import quoted
from telegram_frontend.core.logging import get_logger
from telegram_frontend.services.account.credentials import (
    CredentialsService,
    InvalidTotpCode,
    TotpRequired,
)
from telegram_frontend.services.account.order_input import (
    parse_symbol,
)
from telegram_frontend.services.account.orders import CancelResult, OrderPreview, PlacedOrder
from telegram_frontend.services.admin.audit import AuditService
from telegram_frontend.services.admin.confirmations import ConfirmationService
from telegram_frontend.services.trading.records import Strategy
from telegram_frontend.services.trading.service import TradingService

log = get_logger(__name__)
T = TypeVar("T")

CANCEL_ORDER = "order.cancel"
CANCEL_ALL = "order.cancel_all"
PLACE_ORDER = "order.place"
PANIC = "panic"
SECOND_FACTOR_ACTIONS = frozenset({PLACE_ORDER, CANCEL_ALL})

Outcome = Literal["stopped", "cancelled", "unsupported", "failed"]


@dataclass(frozen=True)
class PanicItem:
    """One thing the kill switch tried to stop or cancel, and how that went."""

    kind: Literal["strategy", "order"]
    ref: str
    outcome: Outcome
    reason: str = ""
    strategy: Strategy | None = None
    order: Order | None = None

    @property
    def done(self) -> bool:
        return self.outcome in ("stopped", "cancelled")


@dataclass(frozen=True)
class PanicReport:
    """Every strategy and order the kill switch touched; `notes` name sources it could not read."""

    strategies: tuple[PanicItem, ...] = ()
    orders: tuple[PanicItem, ...] = ()
    notes: tuple[str, ...] = ()
    own_keys: bool = False

    @property
    def complete(self) -> bool:
        """True when everything stoppable was stopped and every open order cancelled."""
        items = self.strategies + self.orders
        return not self.notes and all(i.done or i.outcome == "unsupported" for i in items)


@dataclass(frozen=True)
class PanicChallenge:
    """What the user must type to confirm the kill switch: `code`, or a TOTP code when `totp`."""

    token: str
    code: str | None
    totp: bool
    ttl_seconds: float


@dataclass(frozen=True)
class Proposal:
    """A pending confirmation: the token to present back, and what it will do."""

    token: str
    action: str
    payload: dict[str, Any] = field(default_factory=dict)
    ttl_seconds: float = 0.0
    order: OrderPreview | None = None
    totp: bool = False  # the confirmation must carry the user's TOTP code


ConfirmedResult = Order | CancelResult | PlacedOrder | PanicReport


class AccountActions:
    """Destructive account actions with their confirmations and audit trail."""

    def __init__(
        self,
        credentials: CredentialsService,
        trading: TradingService,
        audit: AuditService,
        confirmations: ConfirmationService,
        deployment: str = "",
    ) -> None:
        self._credentials = credentials
        self._trading = trading
        self._audit = audit
        self._confirmations = confirmations
        # The deployment these actions work on: its confirmations are refused by any other
        self._deployment = deployment

    # -- the actions ---------------------------------------------------------------------------

    async def cancel_order(self, actor: Actor, symbol: str, order_id: int) -> Order:
        async def run() -> Order:
            orders = await self._credentials.orders_for(actor)
            return await orders.cancel_order(actor, symbol, order_id)

        target = f"{symbol.strip().upper()}#{order_id}"
        return await self._audited(actor, CANCEL_ORDER, target, run, lambda o: {"status": o.status})

    async def cancel_all(self, actor: Actor, symbol: str) -> CancelResult:
        """Cancel every open order of one symbol (a bulk action with a filter)."""

        async def run() -> CancelResult:
            orders = await self._credentials.orders_for(actor)
            return await orders.cancel_all(actor, symbol)

        def details(result: CancelResult) -> dict[str, Any]:
            return {"count": result.count, "orders": [o.order_id for o in result.cancelled]}

        return await self._audited(actor, CANCEL_ALL, symbol.strip().upper(), run, details)

    async def place_order(
        self,
        actor: Actor,
        symbol: str,
        side: str,
        order_type: str,
        quantity: Decimal | str,
        price: Decimal | str | None = None,
        time_in_force: str = "GTC",
    ) -> PlacedOrder:
        """A MARKET or LIMIT order after every check (role, mainnet, risk limits, filters)."""

        async def run() -> PlacedOrder:
            orders = await self._credentials.orders_for(actor)
            return await orders.place_order(
                actor, symbol, side, order_type, quantity, price, time_in_force
            )

        def details(placed: PlacedOrder) -> dict[str, Any]:
            return {
                "order_id": placed.order.order_id,
                "side": placed.order.side,
                "type": placed.order.order_type,
                "quantity": plain(placed.order.orig_qty),
                "status": placed.order.status,
                "notional_usdt": str(placed.estimated_notional_usdt),
            }

        target = f"{symbol.strip().upper()} {side.strip().upper()} {quantity}"
        return await self._audited(actor, PLACE_ORDER, target, run, details)

    async def panic(self, actor: Actor) -> PanicReport:
        """Stop every active strategy that can be stopped and cancel every open order."""
        try:
            require(actor, Role.TRADER)
        except PermissionDenied as exc:
            await self._record(actor, PANIC, "everything", "denied", {"reason": exc.user_message})
            raise
        (strategies, strategy_notes), (orders, order_notes, own) = await asyncio.gather(
            self._stop_strategies(actor), self._cancel_orders(actor)
        )
        report = PanicReport(
            tuple(strategies), tuple(orders), tuple(strategy_notes + order_notes), own
        )
        details = {
            "stopped": [i.ref for i in report.strategies if i.done],
            "cancelled": [i.ref for i in report.orders if i.done],
            "not_done": [f"{i.ref}: {i.outcome}" for i in strategies + orders if not i.done],
            "notes": list(report.notes),
        }
        await self._record(
            actor, PANIC, "everything", "ok" if report.complete else "partial", details
        )
        return report

    # -- confirmations -------------------------------------------------------------------------

    async def propose_cancel_order(self, actor: Actor, symbol: str, order_id: int) -> Proposal:
        payload = {"symbol": symbol.strip().upper(), "order_id": int(order_id)}
        return await self._propose(actor, CANCEL_ORDER, payload)

    async def propose_cancel_all(self, actor: Actor, symbol: str) -> Proposal:
        return await self._propose(actor, CANCEL_ALL, {"symbol": parse_symbol(symbol)})

    async def propose_place_order(
        self,
        actor: Actor,
        symbol: str,
        side: str,
        order_type: str,
        quantity: Decimal | str,
        price: Decimal | str | None = None,
        time_in_force: str = "GTC",
    ) -> Proposal:
        """Every check runs first (filters, limits): a refused order is never offered."""

        async def run() -> OrderPreview:
            orders = await self._credentials.orders_for(actor)
            return await orders.preview_order(
                actor, symbol, side, order_type, quantity, price, time_in_force
            )

        try:
            preview = await run()
        except FrontendError as exc:
            target = f"{symbol.strip().upper()} {side.strip().upper()} {quantity}"[:120]
            result = "denied" if isinstance(exc, PermissionDenied) else "refused"
            await self._record(actor, PLACE_ORDER, target, result, {"reason": exc.user_message})
            raise
        payload = {
            "symbol": preview.symbol,
            "side": preview.side,
            "order_type": preview.order_type,
            "quantity": plain(preview.quantity),
            "price": None if preview.price is None else plain(preview.price),
            "time_in_force": preview.time_in_force,
        }
        proposal = await self._propose(actor, PLACE_ORDER, payload)
        return replace(proposal, order=preview)

    async def propose_panic(self, actor: Actor) -> PanicChallenge:
        """A challenge to type: the user's TOTP when they enabled it, else a shown 6-digit code."""
        require(actor, Role.TRADER)
        totp = await self._credentials.totp_enabled(actor.user_id)
        pending = await self._confirmations.issue(
            actor.label, PANIC, self._bound({"totp": totp}), with_code=not totp
        )
        return PanicChallenge(pending.token, pending.code, totp, self._confirmations.ttl)

    async def confirm(self, actor: Actor, token: str, code: str | None = None) -> ConfirmedResult:
        """Run what `token` was issued for, once; stale, replayed or foreign tokens are refused."""
        try:
            pending = await self._confirmations.consume(actor.label, token, code)
        except ValidationFailed as exc:
            await self._record(actor, "confirm", "", "denied", {"reason": exc.user_message})
            raise
        payload = pending.payload
        if payload.get("deployment", self._deployment) != self._deployment:
            raise ConfirmationExpired()  # issued for another deployment: never acts here
        if payload.get("second_factor"):
            await self._credentials.check_second_factor(
                actor, code, pending.action, self._deployment or None
            )
        if pending.action == CANCEL_ORDER:
            return await self.cancel_order(actor, payload["symbol"], int(payload["order_id"]))
        if pending.action == CANCEL_ALL:
            return await self.cancel_all(actor, payload["symbol"])
        if pending.action == PLACE_ORDER:
            return await self.place_order(
                actor,
                payload["symbol"],
                payload["side"],
                payload["order_type"],
                payload["quantity"],
                payload.get("price"),
                payload.get("time_in_force") or "GTC",
            )
        if pending.action == PANIC:
            if payload.get("totp") and (
                actor.user_id is None
                or not await self._credentials.verify_totp(actor.user_id, code or "")
            ):
                await self._record(actor, PANIC, "everything", "denied", {"reason": "bad TOTP"})
                raise InvalidTotpCode()
            return await self.panic(actor)
        raise ValidationFailed(f"Unknown confirmation {quoted(pending.action)}.")

    async def abandon(self, actor: Actor, token: str) -> bool:
        """The owner said no: the token can no longer be used (others' presses change nothing)."""
        return await self._confirmations.cancel(actor.label, token)

    async def _propose(self, actor: Actor, action: str, payload: dict[str, Any]) -> Proposal:
        require(actor, Role.TRADER)
        if action in SECOND_FACTOR_ACTIONS and await self._credentials.totp_required_for_actions(
            actor
        ):
            if actor.user_id is None or not await self._credentials.totp_enabled(actor.user_id):
                raise TotpRequired(setup=True)
            payload = {**payload, "second_factor": True}
        pending = await self._confirmations.issue(actor.label, action, self._bound(payload))
        return Proposal(
            pending.token,
            action,
            payload,
            self._confirmations.ttl,
            totp=bool(payload.get("second_factor")),
        )

    def _bound(self, payload: dict[str, Any]) -> dict[str, Any]:
        """The payload tied to this deployment (when it has a name)."""
        return {**payload, "deployment": self._deployment} if self._deployment else payload

    # -- panic parts ---------------------------------------------------------------------------

    async def _stop_strategies(self, actor: Actor) -> tuple[list[PanicItem], list[str]]:
        try:
            listing = await self._trading.list_strategies(actor)
        except FrontendError as exc:
            return [], [exc.user_message]
        notes = [note.sentence for note in listing.unavailable]
        active = [s for s in listing.items if s.active]
        results = await asyncio.gather(*(self._stop_one(actor, s) for s in active))
        return list(results), notes

    async def _stop_one(self, actor: Actor, strategy: Strategy) -> PanicItem:
        try:
            stopped = await self._trading.stop_strategy(actor, strategy.id)
        except BackendUnsupported as exc:
            return PanicItem("strategy", strategy.id, "unsupported", exc.user_message, strategy)
        except FrontendError as exc:
            return PanicItem("strategy", strategy.id, "failed", exc.user_message, strategy)
        return PanicItem("strategy", strategy.id, "stopped", "", stopped)

    async def _cancel_orders(self, actor: Actor) -> tuple[list[PanicItem], list[str], bool]:
        try:
            account = await self._credentials.account_for(actor)
            open_orders = await account.portfolio.open_orders(actor)
        except FrontendError as exc:
            return [], [exc.user_message], False
        by_symbol: dict[str, list[Order]] = {}
        for order in open_orders:
            by_symbol.setdefault(order.symbol, []).append(order)
        items: list[PanicItem] = []
        for symbol, orders in sorted(by_symbol.items()):
            try:
                result = await account.orders.cancel_all(actor, symbol)
            except FrontendError as exc:
                items += [_order_item(o, "failed", exc.user_message) for o in orders]
                continue
            done = {o.order_id for o in result.cancelled}
            for order in orders:
                if order.order_id in done:
                    items.append(_order_item(order, "cancelled"))
                else:
                    reason = "It was no longer open (filled or cancelled meanwhile)."
                    items.append(_order_item(order, "failed", reason))
        return items, [], account.own_keys

    # -- audit ---------------------------------------------------------------------------------

    async def _audited(
        self,
        actor: Actor,
        action: str,
        target: str,
        run: Callable[[], Awaitable[T]],
        details: Callable[[T], dict[str, Any]],
    ) -> T:
        try:
            result = await run()
        except PermissionDenied as exc:
            await self._record(actor, action, target, "denied", {"reason": exc.user_message})
            raise
        except FrontendError as exc:
            await self._record(actor, action, target, "failed", {"reason": exc.user_message})
            raise
        await self._record(actor, action, target, "ok", details(result))
        return result

    async def _record(
        self, actor: Actor, action: str, target: str, result: str, details: dict[str, Any]
    ) -> None:
        try:
            await self._audit.record(actor, action, target, result, details)
        except Exception:  # the action happened; a failed audit write must not hide that
            log.error("audit_write_failed", action=action, target=target)


def _order_item(order: Order, outcome: Outcome, reason: str = "") -> PanicItem:
    return PanicItem("order", f"{order.symbol}#{order.order_id}", outcome, reason, order=order)

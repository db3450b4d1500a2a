"""Callback data of /strategy: the list's pages, a card's actions, the start/stop confirmation.

Small, typed, and ≤ 64 bytes packed. Actions are enums, so every value a button can carry is
known (the authorization test presses all of them). Strategy ids can be long
(`macd:<100 chars>`); such an id travels as a short hash (`#` + 16 hex) that the handler
resolves against the strategy list.
"""

from __future__ import annotations

import enum
import hashlib

from aiogram.filters.callback_data import CallbackData

_KIND_LETTERS = {"macd": "m", "grid": "g"}
_LETTER_KINDS = {letter: kind for kind, letter in _KIND_LETTERS.items()}
_HASH_MARK = "#"
_MAX_PLAIN_REF = 40


class StrategyPage(CallbackData, prefix="sgl"):
    """A page of the strategy list."""

    page: int


class CardAction(enum.StrEnum):
    OPEN = "o"
    REFRESH = "r"
    CHART = "c"
    START = "start"
    STOP = "stop"


class StrategyCard(CallbackData, prefix="sg"):
    """Something done to one strategy; `ref` comes from `strategy_ref`."""

    action: CardAction
    ref: str


class StrategyConfirm(CallbackData, prefix="sgk"):
    """The answer to a start/stop confirmation; the action itself stays server-side."""

    token: str
    ok: bool


def strategy_ref(strategy_id: str) -> str:
    """`macd:conservative-btc` → `mconservative-btc`; a long or odd id → `#<16 hex>`."""
    kind, _, backend_id = strategy_id.partition(":")
    letter = _KIND_LETTERS.get(kind)
    if letter and backend_id and len(backend_id) <= _MAX_PLAIN_REF and ":" not in backend_id:
        return letter + backend_id
    return _HASH_MARK + strategy_hash(strategy_id)


def strategy_hash(strategy_id: str) -> str:
    return hashlib.sha256(strategy_id.encode()).hexdigest()[:16]


def strategy_id_of(ref: str) -> str | None:
    """The strategy id a plain ref names; None for a hashed ref (resolve it with the list)."""
    if not ref or ref.startswith(_HASH_MARK):
        return None
    kind = _LETTER_KINDS.get(ref[0])
    return f"{kind}:{ref[1:]}" if kind and len(ref) > 1 else ref


def is_hashed(ref: str) -> bool:
    return ref.startswith(_HASH_MARK)

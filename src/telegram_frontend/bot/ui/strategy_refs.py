"""How a button names a strategy within the 64-byte callback limit, for every screen that does.

A short id travels readably (`macd:conservative-btc` → `mconservative-btc`, a grid UUID as
`g<uuid>`); a long or odd one as a hash, looked up again in the strategy list when pressed.
"""

from __future__ import annotations

import hashlib

from telegram_frontend.core.access import Actor
from telegram_frontend.core.errors import NotFound
from telegram_frontend.core.i18n import _
from telegram_frontend.services.trading.service import TradingService

_KIND_LETTERS = {"macd": "m", "grid": "g"}
_LETTER_KINDS = {letter: kind for kind, letter in _KIND_LETTERS.items()}
_HASH_MARK = "#"
_MAX_PLAIN_REF = 40


def strategy_ref(strategy_id: str, dep: str = "") -> str:
    """`macd:conservative-btc` → `mconservative-btc`; a long or odd id → `#<16 hex>`.

    A button that also carries a deployment name (`dep`) leaves room for it.
    """
    kind, _, backend_id = strategy_id.partition(":")
    letter = _KIND_LETTERS.get(kind)
    room = _MAX_PLAIN_REF - (len(dep) + 1 if dep else 0)
    if letter and backend_id and len(backend_id) <= room and ":" not in backend_id:
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


async def resolve_ref(trading: TradingService, actor: Actor, ref: str) -> str:
    """The strategy id behind a button's ref (a hashed ref is looked up in `trading`'s list)."""
    plain = strategy_id_of(ref)
    if plain is not None:
        return plain
    if is_hashed(ref):
        for strategy in (await trading.list_strategies(actor)).items:
            if strategy_hash(strategy.id) == ref[1:]:
                return strategy.id
    raise NotFound(_("This strategy no longer exists."))

"""Where the tests find `real-trading-schema.tsv`: the shared facts file beside the checkout.

The contract tests read the shared file itself (never a hand copy); only when the checkout has no
`../shared/` (e.g. a bare CI clone) do they use the packaged copy, which a unit test keeps
byte-identical to the shared file wherever both exist.
"""

from __future__ import annotations

import os
from pathlib import Path

from telegram_frontend.sandbox.backends.trading_schema import PACKAGED_SCHEMA, SCHEMA_ENV

FILE_NAME = "real-trading-schema.tsv"


def shared_schema_file(packaged_fallback: bool = True) -> Path | None:
    """`$TRADING_SCHEMA_TSV`, else the nearest `shared/real-trading-schema.tsv` above the repo."""
    override = os.environ.get(SCHEMA_ENV)
    if override:
        return Path(override)
    repo = Path(__file__).resolve().parent.parent
    for parent in repo.parents:
        candidate = parent / "shared" / FILE_NAME
        if candidate.is_file():
            return candidate
    return PACKAGED_SCHEMA if packaged_fallback else None

"""The hook of `tgfront sandbox`: the one place the product reaches into the offline world.

The sandbox ships with the product (it is how `make run` works without a token), but nothing
else in the product imports it; the import-linter contract allows exactly this edge.
"""

from __future__ import annotations

from typing import Any


def register(subparsers: Any) -> None:
    """Add `sandbox` (and `sandbox chat`) to the `tgfront` parser."""
    from telegram_frontend.sandbox import cli as sandbox_cli

    sandbox_cli.register(subparsers)

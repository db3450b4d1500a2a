"""Reading a JSON answer exactly: numbers become `Decimal` (money), never binary floats."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx


class NotJson(ValueError):
    """The answer is not JSON; each client turns this into its own error sentence."""


def exact_json(response: httpx.Response) -> Any:
    """The decoded body (None when empty), with JSON floats as `Decimal`."""
    if not response.content:
        return None
    try:
        return json.loads(response.content, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        raise NotJson from None

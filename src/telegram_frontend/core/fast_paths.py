"""The faster drop-ins the profile asked for, each optional: uvloop for the event loop and
orjson for the JSON aiogram sends to and reads from Telegram on every update.

Both are used when installed and allowed by settings (`EVENT_LOOP`, `FAST_JSON`); without them
the standard library does the same job, slower.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

JsonDumps = Callable[..., str]
JsonLoads = Callable[..., Any]


def loop_factory(choice: str = "auto") -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop for "auto" (when installed) or "uvloop"; None: asyncio's own."""
    if choice == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        if choice == "uvloop":
            raise
        return None
    return uvloop.new_event_loop


def json_codec(enabled: bool = True) -> tuple[JsonDumps, JsonLoads]:
    """(dumps, loads) for aiogram's session: orjson's when installed and `enabled`."""
    if enabled:
        try:
            import orjson
        except ImportError:
            pass
        else:

            def dumps(value: Any, **_: Any) -> str:
                return orjson.dumps(value).decode()

            return dumps, orjson.loads
    return json.dumps, json.loads

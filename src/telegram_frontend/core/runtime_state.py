"""What the running process knows about itself, for /health and /status."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field


@dataclass
class RuntimeState:
    """Mutable flags set by the runtime's tasks; read by health checks."""

    started_at: float = field(default_factory=time.time)
    telegram_connected: bool = False
    telegram_error: str = ""
    bot_username: str = ""
    mode: str = "polling"
    workers: dict[str, str] = field(default_factory=dict)
    cache_fallback: bool = False
    connected: asyncio.Event = field(default_factory=asyncio.Event)

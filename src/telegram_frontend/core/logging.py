"""Structured logging: JSON lines by default, secrets redacted before anything is written.

Every record, ours or a library's (aiogram, uvicorn, httpx), passes the same processors, so a
bot token in a URL or an API key in an exception text never reaches a log file or `/logs`.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, MutableMapping
from pathlib import Path
from typing import Any

import structlog

REDACTED = "***"
_BOT_TOKEN = re.compile(r"(?<!\d)\d{5,12}:[A-Za-z0-9_-]{30,}")
_URL_PASSWORD = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]+):(?P<pw>[^@\s/]+)@")
_SECRET_PARAMS = re.compile(r"(?i)\b(signature|api[_-]?key|secret|password|token)=([^&\s\"']+)")


class Redactor:
    """Removes configured secrets and secret-looking fragments from every string in an event."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets: list[str] = []
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        for secret in secrets:
            if secret and len(secret) >= 4 and secret not in self.secrets:
                self.secrets.append(secret)
        self.secrets.sort(key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self.secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        value = _BOT_TOKEN.sub(REDACTED, value)
        value = _URL_PASSWORD.sub(lambda m: f"{m.group('scheme')}:{REDACTED}@", value)
        return _SECRET_PARAMS.sub(lambda m: f"{m.group(1)}={REDACTED}", value)

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self.value(v) for v in value)
        if isinstance(value, BaseException):
            return self.text(f"{type(value).__name__}: {value}")
        return value

    def __call__(self, _logger: Any, _name: str, event: MutableMapping[str, Any]) -> Any:
        return {key: self.value(val) for key, val in event.items()}


REDACTOR = Redactor()


_BOOKKEEPING = frozenset({"timestamp", "level", "logger", "_record", "_from_structlog"})


def _field(value: Any) -> str:
    text = str(value)
    if not text or any(ch.isspace() or ch in '"=' for ch in text):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def readable_message(record: logging.LogRecord) -> str:
    """A structlog event as `event key=value …` (a person reads /logs), else the plain message."""
    if not isinstance(record.msg, dict):
        return record.getMessage()
    fields = {k: v for k, v in record.msg.items() if k not in _BOOKKEEPING}
    event = str(fields.pop("event", ""))
    return " ".join([event, *(f"{key}={_field(value)}" for key, value in fields.items())]).strip()


class RecentLogBuffer(logging.Handler):
    """Keeps the latest redacted records in memory so a worker can store them for `/logs`."""

    def __init__(self, capacity: int = 2000) -> None:
        super().__init__(level=logging.INFO)
        self.records: deque[tuple[float, str, str, str]] = deque(maxlen=capacity)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = REDACTOR.text(readable_message(record))
        except Exception:  # a broken log call must never break the program
            return
        self.records.append((record.created, record.levelname, record.name, message))

    def drain(self) -> list[tuple[float, str, str, str]]:
        items = list(self.records)
        self.records.clear()
        return items


LOG_BUFFER = RecentLogBuffer()


class RepeatLimiter(logging.Filter):
    """Lets through `burst` records of one kind (logger, level, event) per `window` seconds.

    A flood of identical warnings (refused webhook posts, 429s) would push real records out of
    `/logs` and fill the disk; the rest of a window is dropped and counted, and the first record
    of the next window says how many were left out. ERROR and CRITICAL are never dropped.
    """

    MARK = "_tf_repeat_decision"

    def __init__(
        self, burst: int = 5, window: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self.burst = burst
        self.window = window
        self._clock = clock
        self._windows: dict[tuple[str, int, str], list[float]] = {}  # key -> [start, seen, dropped]

    def filter(self, record: logging.LogRecord) -> bool:
        decided = getattr(record, self.MARK, None)
        if decided is not None:  # the same record reaching the next handler
            return bool(decided)
        allowed = self._decide(record)
        setattr(record, self.MARK, allowed)
        return allowed

    def _decide(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.WARNING:
            return True
        event = record.msg.get("event") if isinstance(record.msg, dict) else record.msg
        key = (record.name, record.levelno, str(event)[:200])
        now = self._clock()
        state = self._windows.get(key)
        if state is None or now - state[0] >= self.window:
            dropped = int(state[2]) if state is not None else 0
            self._windows[key] = [now, 1, 0]
            if len(self._windows) > 10_000:
                self._windows = {key: self._windows[key]}
            if dropped:
                _note_dropped(record, dropped)
            return True
        state[1] += 1
        if state[1] <= self.burst:
            return True
        state[2] += 1
        return False


def _note_dropped(record: logging.LogRecord, dropped: int) -> None:
    """Tell the reader how many identical records the last window left out."""
    if isinstance(record.msg, dict):
        record.msg = {**record.msg, "repeats_dropped": dropped}
    else:
        record.msg = f"{record.msg} (and {dropped} more like it dropped in the last window)"


REPEAT_LIMITER = RepeatLimiter()


def _shared_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        REDACTOR,
    ]


def configure_logging(
    level: str = "INFO",
    fmt: str = "json",
    log_file: str | None = None,
    secrets: Iterable[str] = (),
) -> None:
    """Route structlog and the standard library through one redacting pipeline."""
    REDACTOR.add(secrets)
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors(),
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, REDACTOR, renderer],
    )
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(
            logging.handlers.RotatingFileHandler(
                log_file, maxBytes=10 * 1024 * 1024, backupCount=5, encoding="utf-8"
            )
        )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(REPEAT_LIMITER)
        root.addHandler(handler)
    if REPEAT_LIMITER not in LOG_BUFFER.filters:
        LOG_BUFFER.addFilter(REPEAT_LIMITER)
    root.addHandler(LOG_BUFFER)
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "aiosqlite", "asyncio"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    structlog.configure(
        processors=[
            *_shared_processors(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)

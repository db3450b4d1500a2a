"""Tolerant parsing of what the trading system sends us.

The Java services answer with camelCase (the data storage partly with snake_case), nulls where a
value is not computed yet, numbers as strings, `NaN` for empty statistics and, now and then, a
field renamed between versions. Every remote model derives from `Payload` and uses these lenient
types, so a quirk becomes `None` in one field instead of a failed screen.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel

log = logging.getLogger(__name__)

SHORT_TEXT_LIMIT = 256
LONG_TEXT_LIMIT = 2000


class Payload(BaseModel):
    """Base of every remote model: camelCase or snake_case keys, unknown keys ignored."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        extra="ignore",
        frozen=True,
    )


def to_decimal(value: object) -> Decimal | None:
    """A finite Decimal from a number or numeric string; None for null, NaN, inf or garbage."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, str):
        text = value.strip().replace("_", "")
        if not text or len(text) > 64:
            return None
        try:
            parsed = Decimal(text)
        except InvalidOperation:
            return None
        return parsed if parsed.is_finite() else None
    return None


def to_int(value: object) -> int | None:
    """An int from an int, an integral float or a numeric string; None otherwise."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    number = to_decimal(value)
    if number is None or number != number.to_integral_value():
        return None
    return int(number)


def to_bool(value: object) -> bool | None:
    """Java and SQL spell booleans many ways; anything unrecognised is unknown (None)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "t", "yes", "y", "1", "on"):
            return True
        if text in ("false", "f", "no", "n", "0", "off"):
            return False
    return None


def _truncate(value: object, limit: int) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def to_short_text(value: object) -> str | None:
    """Names and labels: any scalar as text, cut to a length a chat message can hold."""
    return _truncate(value, SHORT_TEXT_LIMIT)


def to_long_text(value: object) -> str | None:
    """Free text (reasons, summaries): kept longer, still bounded."""
    return _truncate(value, LONG_TEXT_LIMIT)


def to_upper_text(value: object) -> str | None:
    """Enum-like values (`BUY`, `UP`, ...) compared case-insensitively."""
    text = to_short_text(value)
    return text.strip().upper() if text is not None else None


def to_datetime(value: object) -> datetime | None:
    """An aware UTC datetime from ISO text, epoch seconds/ms, or Jackson's array form.

    Java's `LocalDateTime` carries no zone; the trading system runs in UTC, so naive means UTC.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, list | tuple):
        return _from_parts(value)
    number = to_decimal(value) if not isinstance(value, str) or _numeric(value) else None
    if number is not None:
        seconds = number / 1000 if abs(number) >= 100_000_000_000 else number
        try:
            return datetime.fromtimestamp(float(seconds), tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        return _from_iso(value.strip())
    return None


def _numeric(text: str) -> bool:
    stripped = text.strip()
    return bool(stripped) and stripped.lstrip("-").replace(".", "", 1).isdigit()


def _from_iso(text: str) -> datetime | None:
    if not text or len(text) > 64:
        return None
    text = text.replace(" ", "T", 1)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    head, dot, tail = text.partition(".")
    if dot:  # Java prints up to nanoseconds; Python parses microseconds at most.
        digits = len(tail) - len(tail.lstrip("0123456789"))
        tail = tail[:digits][:6] + tail[digits:]
        text = f"{head}.{tail}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _from_parts(parts: list[Any] | tuple[Any, ...]) -> datetime | None:
    numbers = [to_int(p) for p in parts[:7]]
    if len(numbers) < 3 or any(n is None for n in numbers):
        return None
    year, month, day, *rest = [n for n in numbers if n is not None]
    hour, minute, second, nanos = [*rest, 0, 0, 0, 0][:4]
    try:
        return datetime(year, month, day, hour, minute, second, nanos // 1000, tzinfo=UTC)
    except ValueError:
        return None


def to_text_map(value: object) -> dict[str, Any]:
    """A JSON object, or an empty dict for anything else."""
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else {}


Money = Annotated[Decimal | None, BeforeValidator(to_decimal)]
Count = Annotated[int | None, BeforeValidator(to_int)]
Flag = Annotated[bool | None, BeforeValidator(to_bool)]
ShortText = Annotated[str | None, BeforeValidator(to_short_text)]
LongText = Annotated[str | None, BeforeValidator(to_long_text)]
UpperText = Annotated[str | None, BeforeValidator(to_upper_text)]
Instant = Annotated[datetime | None, BeforeValidator(to_datetime)]

ModelT = TypeVar("ModelT", bound=BaseModel)


def unwrap_items(data: object, *keys: str) -> list[Any]:
    """The list inside an answer: a bare list, a known wrapper key, or an object's values."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in (*keys, "items", "content", "data", "results"):
            inner = data.get(key)
            if isinstance(inner, list):
                return inner
        values = list(data.values())
        if values and all(isinstance(v, dict) for v in values):
            return values
    return []


def parse_items(model: type[ModelT], items: Iterable[object]) -> list[ModelT]:
    """Validate each item on its own: one broken element is skipped, not the whole list."""
    parsed: list[ModelT] = []
    for item in items:
        try:
            parsed.append(model.model_validate(item))
        except ValidationError as exc:
            log.warning("skipping a malformed %s: %d errors", model.__name__, exc.error_count())
    return parsed

"""All user-visible text is built here: HTML-escaped, phone-friendly, and split under 4096.

Handlers compose `Block`s (each a complete, balanced HTML fragment); `paginate` packs them
into messages that Telegram will accept, splitting an oversized table at line boundaries and
re-opening its `<pre>` in the next message. Lengths are counted in UTF-16 units after entity
parsing, as Telegram counts them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram_frontend.core.i18n import _
from telegram_frontend.core.text_safety import quoted as quoted  # one definition, both names

TELEGRAM_TEXT_LIMIT = 4096
TELEGRAM_CAPTION_LIMIT = 1024
SAFE_LIMIT = 4000  # headroom for a page footer

_TAG = re.compile(r"<[^>]+>")


def esc(value: object) -> str:
    """Escape anything for Telegram HTML (names and backend strings included)."""
    return html.escape("" if value is None else str(value), quote=True)


def b(value: object) -> str:
    return f"<b>{esc(value)}</b>"


def i(value: object) -> str:
    return f"<i>{esc(value)}</i>"


def code(value: object) -> str:
    return f"<code>{esc(value)}</code>"


def link(text: object, url: str) -> str:
    return f'<a href="{esc(url)}">{esc(text)}</a>'


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def visible_len(html_text: str) -> int:
    """Length Telegram counts: tags removed, entities decoded, in UTF-16 units."""
    return utf16_len(html.unescape(_TAG.sub("", html_text)))


def to_decimal(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return result if result.is_finite() else None


def money(value: object, places: int = 2, unit: str = "") -> str:
    """`1234.5` → `1,234.50` (+ unit); missing values show as an em dash."""
    number = to_decimal(value)
    if number is None:
        return "—"
    quant = Decimal(1).scaleb(-places)
    text = f"{number.quantize(quant, rounding=ROUND_HALF_UP):,.{places}f}"
    return f"{text} {unit}".rstrip() if unit else text


def signed(value: object, places: int = 2, unit: str = "") -> str:
    """Signed P&L: `+12.30`, `-4.00`, `0.00`."""
    number = to_decimal(value)
    if number is None:
        return "—"
    text = money(abs(number), places)
    sign = "+" if number > 0 else "-" if number < 0 else ""
    return f"{sign}{text} {unit}".rstrip() if unit else f"{sign}{text}"


def pct(value: object, places: int = 2, signed_: bool = False) -> str:
    number = to_decimal(value)
    if number is None:
        return "—"
    return (signed(number, places) if signed_ else money(number, places)) + "%"


def qty(value: object, places: int | None = None) -> str:
    """Quantities exactly, trimmed and grouped: `0.01000000` → `0.01`, `9933.68766` →
    `9,933.68766`. Never rounded silently: only a caller that shows an estimate (marked ≈)
    passes `places`."""
    number = to_decimal(value)
    if number is not None and places is not None:
        number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return exact(number)


BINANCE_PLACES = 8  # the finest precision Binance quotes a price in


def decimals(number: Decimal) -> int:
    """How many decimals `number` really has: `66302.50` → 1, `66000` → 0."""
    exponent = number.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def price_text(value: object, tick: object = None) -> str:
    """A price with at least 2 decimals: to the symbol's tick when it is known, otherwise every
    decimal it has up to Binance's 8: `66302.5` → `66,302.50`, `0.00001234` → `0.00001234`,
    `66000.123` → `66,000.123`."""
    number = to_decimal(value)
    if number is None:
        return "—"
    step = to_decimal(tick)
    if step is not None and step > 0:
        return money(number, max(2, decimals(step)))
    return money(number, min(max(2, decimals(number)), BINANCE_PLACES))


def exact(value: object) -> str:
    """A Decimal exactly, without exponent or trailing zeros, digits grouped: `66,000.123456789`."""
    number = to_decimal(value)
    if number is None:
        return "—"
    if number.is_zero():
        return "0"
    if abs(number.adjusted()) > 20:  # absurd input: say its size, not 400 digits
        return f"{number.normalize():E}"
    return f"{number.normalize():,f}"


def zone(tz_name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(tz_name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def when(moment: datetime | None, tz_name: str | None = "UTC", with_zone: bool = True) -> str:
    """A UTC moment shown in the user's time zone: `2026-11-24 21:05 CET`."""
    if moment is None:
        return "—"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(zone(tz_name))
    text = local.strftime("%Y-%m-%d %H:%M")
    return f"{text} {local.tzname()}" if with_zone else text


def age(seconds: float | None) -> str:
    """`75` → `1m 15s`: how long ago, compact."""
    if seconds is None:
        return "—"
    seconds = max(0, int(seconds))
    if seconds < 60:
        return _("{s}s").format(s=seconds)
    minutes, sec = divmod(seconds, 60)
    if minutes < 60:
        return _("{m}m {s}s").format(m=minutes, s=sec)
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("{h}h {m}m").format(h=hours, m=minutes)
    return _("{d}d {h}h").format(d=hours // 24, h=hours % 24)


def table(rows: Sequence[Sequence[object]], header: Sequence[str] | None = None) -> str:
    """A monospace table (plain text, escaped later by `pre`); numbers right-aligned."""
    data = [[str(c) for c in row] for row in rows]
    if header:
        data.insert(0, [str(h) for h in header])
    if not data:
        return ""
    widths = [max(len(row[col]) for row in data if col < len(row)) for col in range(len(data[0]))]
    lines = []
    for row in data:
        cells = []
        for col, cell in enumerate(row):
            numeric = bool(re.fullmatch(r"[+\-−]?[\d,.]+%?|—", cell))
            cells.append(cell.rjust(widths[col]) if numeric else cell.ljust(widths[col]))
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


@dataclass(frozen=True)
class Block:
    """A balanced HTML fragment; `pre` blocks may be split across messages by lines."""

    html: str
    pre: bool = False


def text_block(html_text: str) -> Block:
    return Block(html_text)


def pre_block(plain: str) -> Block:
    """Monospace text (escaped here) that may be split at its lines."""
    return Block(plain, pre=True)


def _render(block: Block) -> str:
    return f"<pre>{esc(block.html)}</pre>" if block.pre else block.html


def _split_long(block: Block, limit: int) -> list[Block]:
    """Cut an oversized block at line boundaries (hard-cut a single over-long line)."""
    pieces: list[Block] = []
    current: list[str] = []
    for line in block.html.split("\n"):
        candidate = "\n".join([*current, line])
        if current and visible_len(_render(Block(candidate, block.pre))) > limit:
            pieces.append(Block("\n".join(current), block.pre))
            current = [line]
        else:
            current.append(line)
        while visible_len(_render(Block(current[-1], block.pre))) > limit:
            head, tail = _hard_cut(current[-1], limit, block.pre)
            if len(current) > 1:
                pieces.append(Block("\n".join(current[:-1]), block.pre))
            pieces.append(Block(head, block.pre))
            current = [tail]
    if current:
        pieces.append(Block("\n".join(current), block.pre))
    return pieces


def _hard_cut(line: str, limit: int, pre: bool) -> tuple[str, str]:
    """Split one line that alone is too long; plain text only (tags would be broken)."""
    plain = line if pre else html.unescape(_TAG.sub("", line))
    cut = limit
    while utf16_len(plain[:cut]) > limit:
        cut -= 1
    head, tail = plain[:cut], plain[cut:]
    return (head, tail) if pre else (esc(head), esc(tail))


def paginate(blocks: Iterable[Block | str], limit: int = SAFE_LIMIT) -> list[str]:
    """Pack blocks into as few messages as possible, each valid and under `limit`."""
    messages: list[str] = []
    current: list[str] = []
    size = 0
    for item in blocks:
        block = Block(item) if isinstance(item, str) else item
        for piece in _split_long(block, limit) if visible_len(_render(block)) > limit else [block]:
            rendered = _render(piece)
            extra = visible_len(rendered) + (1 if current else 0)
            if current and size + extra > limit:
                messages.append("\n".join(current))
                current, size = [], 0
                extra = visible_len(rendered)
            current.append(rendered)
            size += extra
    if current:
        messages.append("\n".join(current))
    return messages or ["—"]


def truncate(text: str, limit: int) -> str:
    """Shorten plain text to `limit` UTF-16 units with an ellipsis."""
    if utf16_len(text) <= limit:
        return text
    cut = limit - 1
    while utf16_len(text[:cut]) > limit - 1:
        cut -= 1
    return text[:cut] + "…"


def status_icon(state: str) -> str:
    return {"UP": "🟢", "DEGRADED": "🟡", "DOWN": "🔴"}.get(state.upper(), "⚪")

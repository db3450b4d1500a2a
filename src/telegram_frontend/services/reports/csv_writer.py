"""CSV reports (trades, orders, performance) for a period the user names.

Files are UTF-8 without a BOM, comma-separated with CRLF line ends (RFC 4180), one fixed header
row. Times are ISO-8601 UTC (`2026-11-24T21:05:00Z`); money and quantities are the exact Decimal
digits (`0.00000001`, never `1E-8` or a float's `0.1000000000000000055`). A text cell starting
with `=`, `+`, `-`, `@`, tab or CR that is not a number gets a leading `'`, so a spreadsheet
never runs a backend string as a formula.

Rows may be dataclasses, pydantic models (e.g. `DecisionLog`, `OrderRecord`) or dicts; each
column reads the first present of its source names:

trades       time (time|decision_time), instance_id, strategy (strategy|strategy_name), symbol,
             side (side|signal_detected), price (price|executed_price),
             quantity (quantity|executed_quantity), quote_value (quote_value, else price×quantity),
             order_id. Rows with `trade_executed` false are not trades and are left out.
orders       time (time|transact_time), symbol, order_id, client_order_id, side, type, status,
             price, orig_qty, executed_qty, quote_qty (quote_qty|cummulative_quote_qty).
performance  period_start, period_end (from the period), instance_id, strategy, symbol,
             start_balance, end_balance, pnl, realized_pnl, trades, winning_trades, win_rate_pct,
             max_drawdown_pct. `performance_rows` builds these rows from the figures every
             screen shows (`services/trading/period_figures`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any, Literal, NamedTuple

from telegram_frontend.clients.trading.payload import to_datetime
from telegram_frontend.core.errors import ValidationFailed
from telegram_frontend.core.formatters import zone
from telegram_frontend.services.trading.records import StrategyPerformance

ReportKind = Literal["trades", "orders", "performance"]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_DAYS = 3660
FIRST_YEAR, LAST_YEAR = 1970, 2999  # beyond these, zone arithmetic overflows; no trades there
PERIOD_HELP = "Use 24h, 7d, 30d, all, or a date range like 2026-11-01..2026-11-24."

_RELATIVE = re.compile(r"^(\d{1,6})\s*([hdw])$", re.ASCII)
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\s*\.\.\s*(\d{4}-\d{2}-\d{2}))?$", re.ASCII)
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$", re.ASCII)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


class Period(NamedTuple):
    """A half-open UTC interval [start, end); unpacks as `(start, end)`."""

    start: datetime
    end: datetime

    @property
    def is_all(self) -> bool:
        return self.start == EPOCH

    def contains(self, moment: datetime) -> bool:
        return self.start <= _utc(moment) < self.end


def parse_period(text: str, now: datetime | None = None, tz: str | None = "UTC") -> Period:
    """`24h`, `7d`, `2w`, `all`, `2026-11-01..2026-11-24` (days in the user's zone, inclusive).

    Relative periods end now; a date range ends at the midnight after its last day.
    """
    raw = (text or "").strip().lower()
    moment = _utc(now) if now is not None else datetime.now(UTC)
    if len(raw) > 40:
        raise ValidationFailed(f"That period is too long to be one. {PERIOD_HELP}")
    if raw == "all":
        return Period(EPOCH, moment)
    relative = _RELATIVE.match(raw)
    if relative:
        span = int(relative.group(1)) * _UNITS[relative.group(2)]
        if not timedelta(hours=1) <= span <= timedelta(days=MAX_DAYS):
            raise ValidationFailed(f"A period must be between 1 hour and 10 years. {PERIOD_HELP}")
        return Period(moment - span, moment)
    dates = _RANGE.match(raw)
    if dates:
        first = _date(dates.group(1))
        last = _date(dates.group(2)) if dates.group(2) else first
        if last < first:
            raise ValidationFailed(f"The period ends ({last}) before it starts ({first}).")
        if (last - first).days >= MAX_DAYS:
            raise ValidationFailed(f"A period must be at most 10 years. {PERIOD_HELP}")
        return Period(_midnight(first, tz), _midnight(last + timedelta(days=1), tz))
    raise ValidationFailed(f"“{text.strip()[:40]}” is not a period I know. {PERIOD_HELP}")


def _date(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(f"{text} is not a valid date (YYYY-MM-DD).") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValidationFailed(f"Dates must be between {FIRST_YEAR} and {LAST_YEAR}.")
    return day


def _midnight(day: date, tz: str | None) -> datetime:
    """The start of `day` in the user's zone, as UTC (DST-aware)."""
    return datetime(day.year, day.month, day.day, tzinfo=zone(tz)).astimezone(UTC)


def report_filename(kind: ReportKind, period: Period, tz: str | None = "UTC") -> str:
    """`trades_2026-11-01_2026-11-24.csv`: first and last day (inclusive) in the user's zone."""
    local = zone(tz)
    last_day = (period.end - timedelta(microseconds=1)).astimezone(local).date()
    if period.is_all:
        return f"{kind}_all_{last_day.isoformat()}.csv"
    first_day = period.start.astimezone(local).date()
    return f"{kind}_{first_day.isoformat()}_{last_day.isoformat()}.csv"


@dataclass(frozen=True)
class Column:
    """One CSV column: its header, the row fields it may come from, or a computed value.

    Time columns parse what they find (datetime, ISO text, epoch ms) so every row prints alike.
    """

    header: str
    sources: tuple[str, ...]
    compute: Callable[[Any], object] | None = None
    is_time: bool = False

    def value(self, row: Any) -> object:
        found = _field(row, self.sources)
        if found is None and self.compute is not None:
            return self.compute(row)
        if self.is_time and found is not None:
            return to_datetime(found) or found
        return found


def _quote_value(row: Any) -> Decimal | None:
    price = _decimal(_field(row, ("price", "executed_price")))
    quantity = _decimal(_field(row, ("quantity", "executed_quantity")))
    return price * quantity if price is not None and quantity is not None else None


TRADE_COLUMNS: tuple[Column, ...] = (
    Column("time", ("time", "decision_time"), is_time=True),
    Column("instance_id", ("instance_id",)),
    Column("strategy", ("strategy", "strategy_name")),
    Column("symbol", ("symbol",)),
    Column("side", ("side", "signal_detected")),
    Column("price", ("price", "executed_price")),
    Column("quantity", ("quantity", "executed_quantity")),
    Column("quote_value", ("quote_value",), _quote_value),
    Column("order_id", ("order_id",)),
)
ORDER_COLUMNS: tuple[Column, ...] = (
    Column("time", ("time", "transact_time"), is_time=True),
    Column("symbol", ("symbol",)),
    Column("order_id", ("order_id",)),
    Column("client_order_id", ("client_order_id",)),
    Column("side", ("side",)),
    Column("type", ("type",)),
    Column("status", ("status",)),
    Column("price", ("price",)),
    Column("orig_qty", ("orig_qty",)),
    Column("executed_qty", ("executed_qty",)),
    Column("quote_qty", ("quote_qty", "cummulative_quote_qty")),
)
PERFORMANCE_COLUMNS: tuple[Column, ...] = (
    Column("period_start", ("period_start",)),
    Column("period_end", ("period_end",)),
    Column("instance_id", ("instance_id",)),
    Column("strategy", ("strategy", "strategy_name")),
    Column("symbol", ("symbol",)),
    Column("start_balance", ("start_balance",)),
    Column("end_balance", ("end_balance",)),
    Column("pnl", ("pnl",)),
    Column("realized_pnl", ("realized_pnl",)),
    Column("trades", ("trades",)),
    Column("winning_trades", ("winning_trades",)),
    Column("win_rate_pct", ("win_rate_pct",)),
    Column("max_drawdown_pct", ("max_drawdown_pct",)),
)


@dataclass(frozen=True)
class PerformanceRow:
    """One strategy instance over a period (see `performance_rows`)."""

    instance_id: str | None
    strategy: str | None
    symbol: str | None
    start_balance: Decimal | None
    end_balance: Decimal | None
    pnl: Decimal | None
    realized_pnl: Decimal | None
    trades: int | None
    winning_trades: int | None
    win_rate_pct: Decimal | None
    max_drawdown_pct: Decimal | None


@dataclass(frozen=True)
class CsvReport:
    """A finished report ready to send as a document."""

    filename: str
    content: bytes
    rows: int
    media_type: str = "text/csv"


class CsvReportWriter:
    """Builds the CSV files; the rows come from the caller (trading database, Binance)."""

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self._clock = clock or (lambda: datetime.now(UTC))

    def period(self, text: str, tz: str | None = "UTC") -> Period:
        return parse_period(text, now=self._clock(), tz=tz)

    def trades_csv(self, rows: Iterable[Any], period: Period, tz: str | None = "UTC") -> CsvReport:
        """Executed trades whose time falls in the period, oldest first."""
        executed = [r for r in rows if _field(r, ("trade_executed",)) is not False]
        picked = _in_period(executed, period, ("time", "decision_time"))
        return _report("trades", TRADE_COLUMNS, picked, period, tz)

    def orders_csv(self, rows: Iterable[Any], period: Period, tz: str | None = "UTC") -> CsvReport:
        """Orders whose transaction time falls in the period, oldest first."""
        picked = _in_period(list(rows), period, ("time", "transact_time"))
        return _report("orders", ORDER_COLUMNS, picked, period, tz)

    def performance_csv(
        self, rows: Iterable[Any], period: Period, tz: str | None = "UTC"
    ) -> CsvReport:
        """Per-instance results already computed for the period, in the given order."""
        framed = [_with_period(row, period) for row in rows]
        return _report("performance", PERFORMANCE_COLUMNS, framed, period, tz)


def performance_rows(figures: Iterable[StrategyPerformance]) -> list[PerformanceRow]:
    """The performance report's rows: each instance's figures exactly as every screen shows
    them (`period_figures`: trades are the period's fills, the win rate and drawdown those of
    /performance), so the file and the screens never disagree."""
    return [
        PerformanceRow(
            instance_id=f.instance_id,
            strategy=f.name,
            symbol=f.symbol,
            start_balance=f.start_equity,
            end_balance=f.end_equity,
            pnl=f.pnl,
            realized_pnl=f.realized_pnl,
            trades=f.trades,
            winning_trades=f.winning_trades,
            win_rate_pct=f.win_rate,
            max_drawdown_pct=f.max_drawdown_pct,
        )
        for f in figures
    ]


def _with_period(row: Any, period: Period) -> dict[str, object]:
    values = {c.header: c.value(row) for c in PERFORMANCE_COLUMNS}
    values["period_start"], values["period_end"] = period.start, period.end
    return values


def _in_period(rows: Sequence[Any], period: Period, time_names: tuple[str, ...]) -> list[Any]:
    """Rows in [start, end), oldest first; a row without a time only belongs to "all"."""
    dated: list[tuple[datetime, Any]] = []
    undated: list[Any] = []
    for row in rows:
        moment = to_datetime(_field(row, time_names))
        if moment is not None:
            if period.contains(moment):
                dated.append((moment, row))
        elif period.is_all:
            undated.append(row)
    dated.sort(key=lambda item: item[0])
    return [row for _, row in dated] + undated


def _report(
    kind: ReportKind, columns: Sequence[Column], rows: Sequence[Any], period: Period, tz: str | None
) -> CsvReport:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.header for c in columns])
    for row in rows:
        writer.writerow([cell(c.value(row)) for c in columns])
    return CsvReport(
        filename=report_filename(kind, period, tz),
        content=buffer.getvalue().encode("utf-8"),
        rows=len(rows),
    )


def cell(value: object) -> str:
    """One value as CSV text: exact decimals, ISO UTC times, formula-safe strings."""
    if value is None:
        return ""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        number = _decimal(value)
        return "" if number is None else format(number, "f")
    if isinstance(value, datetime):
        return _utc(value).isoformat().replace("+00:00", "Z")
    return safe_text(str(value))


def safe_text(text: str) -> str:
    """Neutralise spreadsheet formulas: `=HYPERLINK(...)` becomes `'=HYPERLINK(...)`."""
    if text.startswith(_FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    return text


def _field(row: Any, names: tuple[str, ...]) -> Any:
    """The first non-None of `names` on a mapping, dataclass or model; None if none has it."""
    for name in names:
        value = row.get(name) if isinstance(row, Mapping) else getattr(row, name, None)
        if value is not None:
            return value
    return None


def _decimal(value: object) -> Decimal | None:
    """Exact Decimal of a number or numeric text (floats by their shortest repr)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    except ArithmeticError:
        return None
    return number if number.is_finite() else None


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)

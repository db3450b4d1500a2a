"""A bounded equity curve: an instance's snapshots over any range in at most `limit` rows.

The trader writes a snapshot a minute per instance, so 30 days are ~43,200 rows; taking the first
N of them ended the curve mid-period and every figure read from its end was wrong. When a range
holds more rows than the bound, it is reduced in SQL (the same statement on SQLite and
PostgreSQL) per time bucket to real rows, in time order, that keep what the figures need:

- the first and last row of each bucket: the range's first and last point, and the closes the
  Sharpe ratio is resampled to. Buckets are aligned on the epoch and are an hour wide, or wider
  only to stay within the bound, and then a width that divides a day: every daily close is kept,
  and every hourly one while buckets are an hour (ranges up to ~139 days at the default bound;
  the hourly basis is only used for curves of under a week anyway);
- the lowest and highest row of each bucket: drawdowns from a peak in one bucket to a trough in a
  later one;
- the deepest fall inside each bucket (its trough and the peak it fell from): a drawdown that
  starts and ends within one bucket, which its low, high, first and last rows can miss.

So the reduced curve's max drawdown, closes, start and end equal the full curve's, and a chart
of it shows every peak and trough. Buckets wider than a day (daily closes then become closes of
several days) are needed only past `limit / 6` days of range: ~9 years at the default bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Float,
    Integer,
    Numeric,
    Select,
    case,
    cast,
    extract,
    func,
    literal_column,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from telegram_frontend.clients.trading_db.tables import portfolio_snapshots

ROWS_PER_BUCKET = 6  # first, last, lowest, highest, and the deepest fall's peak and trough
MIN_LIMIT = 2 * ROWS_PER_BUCKET
HOUR_SECONDS, DAY_SECONDS = 3_600, 86_400
# An hour, else the narrowest width that divides a day: every daily close stays exact.
BUCKET_SECONDS = (HOUR_SECONDS, 7_200, 10_800, 14_400, 21_600, 28_800, 43_200, DAY_SECONDS)


def _epoch(moment: datetime) -> int:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return int(aware.timestamp())


def bucket_count(first: datetime, last: datetime, width: int) -> int:
    """How many epoch-aligned buckets of `width` seconds the range touches."""
    return _epoch(last) // width - _epoch(first) // width + 1


def bucket_seconds(first: datetime, last: datetime, limit: int) -> int:
    """An hour, or the narrowest wider bucket that keeps the range within `limit` rows.

    Nothing a figure or a chart shows needs finer steps than an hour once a range is longer
    than the bound. One bucket is kept spare for a snapshot written between counting and reading.
    """
    if limit < MIN_LIMIT:
        raise ValueError(f"a reduced series needs a limit of at least {MIN_LIMIT} rows")
    buckets = limit // ROWS_PER_BUCKET - 1
    for width in BUCKET_SECONDS:
        if bucket_count(first, last, width) <= buckets:
            return width
    days = max(2, (_epoch(last) - _epoch(first)) // DAY_SECONDS // buckets)
    while bucket_count(first, last, days * DAY_SECONDS) > buckets:
        days += 1
    return days * DAY_SECONDS


async def bounded_series(
    conn: AsyncConnection,
    columns: Sequence[Column[Any]],
    filters: list[ColumnElement[bool]],
    limit: int,
) -> list[dict[str, Any]]:
    """The snapshot rows matching `filters` in time order: all of them when they are at most
    `limit`, else the reduced series (module doc). Either way the last row is the newest."""
    t = portfolio_snapshots.c
    names = {c.name for c in columns}
    span = select(func.count(), func.min(t.snapshot_time), func.max(t.snapshot_time))
    count, first, last = (await conn.execute(span.where(*filters))).one()
    if not count:
        return []
    if count <= limit or first is None or last is None:
        # Newest first, so a snapshot written since the count costs the oldest row, not the last.
        newest = [t.snapshot_time.desc()] + ([t.id.desc()] if "id" in names else [])
        query = select(*columns).where(*filters).order_by(*newest).limit(limit)
        return [dict(r) for r in reversed((await conn.execute(query)).mappings().all())]
    width = bucket_seconds(first, last, limit)
    query = reduced_series(columns, names, filters, conn.dialect.name, width)
    return [dict(r) for r in (await conn.execute(query)).mappings()]


def _bucket(time: ColumnElement[Any], dialect: str, width: int) -> ColumnElement[Any]:
    """The epoch bucket of a naive-UTC timestamp (`width` is one of ours: an int, inlined)."""
    size: ColumnElement[int] = literal_column(str(int(width)), Integer)
    if dialect == "sqlite":  # integer / integer is integer division in SQLite
        return cast(func.strftime("%s", time), Integer).op("/")(size)
    return func.floor(cast(extract("epoch", time), Float) / size)


def reduced_series(
    columns: Sequence[Column[Any]],
    names: set[str],
    filters: list[ColumnElement[bool]],
    dialect: str,
    width: int,
) -> Select[Any]:
    """The snapshots matching `filters`, reduced per bucket of `width` seconds (module doc).

    The buckets are ranked over ids, times and balances only; the kept rows are then read whole
    by id (without an id column the whole rows go through the ranking).
    """
    t = portfolio_snapshots.c
    by_id = "id" in names
    balance = cast(t.total_balance, Numeric) if "total_balance" in names else literal_column("0")
    rows = (
        select(
            *([t.id, t.snapshot_time] if by_id else columns),
            _bucket(t.snapshot_time, dialect, width).label("_bucket"),
            balance.label("_balance"),
        )
        .where(*filters)
        .subquery()
    )

    # Every window is one bucket, in time order or whole: PostgreSQL sorts the rows only once.
    r = rows.c
    in_time = ["snapshot_time"] + (["id"] if by_id else [])
    ranked = select(
        *r,
        func.row_number()
        .over(partition_by=r._bucket, order_by=[r[n] for n in in_time])
        .label("_seq"),
        func.max(r._balance)
        .over(partition_by=r._bucket, order_by=[r[n] for n in in_time], rows=(None, 0))
        .label("_peak"),  # the bucket's running peak
        func.count().over(partition_by=r._bucket).label("_rows"),
        func.min(r._balance).over(partition_by=r._bucket).label("_lowest"),
        func.max(r._balance).over(partition_by=r._bucket).label("_highest"),
    ).subquery()

    # The deepest fall: the row furthest below the running peak (lowest balance / peak), and
    # the last row at or before it that set that peak. Ties go to the earliest row.
    a = ranked.c
    ratio = case((a._peak > 0, cast(a._balance, Float) / cast(a._peak, Float)))
    falls = select(
        *a,
        func.max(case((a._balance == a._peak, a._seq)))
        .over(partition_by=a._bucket, order_by=[a[n] for n in in_time], rows=(None, 0))
        .label("_peak_seq"),
        ratio.label("_ratio"),
        func.min(ratio).over(partition_by=a._bucket).label("_deepest"),
        func.min(case((a._balance == a._lowest, a._seq)))
        .over(partition_by=a._bucket)
        .label("_low"),
        func.min(case((a._balance == a._highest, a._seq)))
        .over(partition_by=a._bucket)
        .label("_high"),
    ).subquery()

    b = falls.c
    fall = select(
        *b,
        func.min(case((b._ratio == b._deepest, b._seq)))
        .over(partition_by=b._bucket)
        .label("_fall"),
    ).subquery()

    f = fall.c
    marked = select(
        *f,
        func.max(case((f._seq == f._fall, f._peak_seq)))
        .over(partition_by=f._bucket)
        .label("_fall_peak"),
    ).subquery()

    c = marked.c
    kept = c._seq.in_([1, c._rows, c._low, c._high, c._fall, c._fall_peak])
    if by_id:
        kept_ids = select(c.id).where(kept)
        return select(*columns).where(*filters, t.id.in_(kept_ids)).order_by(t.snapshot_time, t.id)
    return select(*(c[col.name] for col in columns)).where(kept).order_by(c.snapshot_time)

"""CSV reports read back exactly as stored: exact decimals, UTC times, no formulas."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from telegram_frontend.clients.trading_db.reader import DecisionLog, OrderRecord, PortfolioSnapshot
from telegram_frontend.core.errors import ValidationFailed
from telegram_frontend.services.reports.csv_writer import (
    EPOCH,
    CsvReport,
    CsvReportWriter,
    PerformanceRow,
    Period,
    cell,
    parse_period,
    performance_rows,
    report_filename,
)
from telegram_frontend.services.trading.performance import Period as ScreenPeriod
from telegram_frontend.services.trading.period_figures import period_figures

NOW = datetime(2026, 11, 24, 21, 5, tzinfo=UTC)
WEEK = Period(NOW - timedelta(days=7), NOW)


@dataclass(frozen=True)
class OwnTrade:
    """A trade row of our own shape (e.g. built from Binance fills)."""

    time: datetime
    strategy: str
    symbol: str
    side: str
    price: Decimal
    quantity: Decimal
    order_id: str | None = None


def read(report: CsvReport) -> list[dict[str, str]]:
    text = report.content.decode("utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def header(report: CsvReport) -> list[str]:
    return next(csv.reader(io.StringIO(report.content.decode("utf-8"))))


@pytest.fixture
def service() -> CsvReportWriter:
    return CsvReportWriter(clock=lambda: NOW)


def test_trades_csv_keeps_exact_decimals_and_utc_times(service: CsvReportWriter) -> None:
    rows = [
        DecisionLog(
            decision_time=datetime(2026, 11, 20, 10, 0), instance_id="conservative-btc",
            strategy_name="MACD 12/26/9", symbol="BTCUSDT", signal_detected="BUY",
            executed_price="65000.12345678", executed_quantity=Decimal("1E-8"),
            trade_executed=True, order_id="42",
        ),
        {
            "time": datetime(2026, 11, 18, 9, 30, 15, tzinfo=UTC), "strategy": "grid",
            "symbol": "ETHUSDT", "side": "SELL", "price": 0.1, "quantity": Decimal("3.000"),
        },
        OwnTrade(NOW - timedelta(hours=1), "manual", "BNBUSDT", "BUY", Decimal("600.5"),
                 Decimal("2"), "7"),
    ]  # fmt: skip
    report = service.trades_csv(rows, WEEK)
    assert header(report) == [
        "time", "instance_id", "strategy", "symbol", "side", "price", "quantity",
        "quote_value", "order_id",
    ]  # fmt: skip
    assert read(report) == [
        {"time": "2026-11-18T09:30:15Z", "instance_id": "", "strategy": "grid",
         "symbol": "ETHUSDT", "side": "SELL", "price": "0.1", "quantity": "3.000",
         "quote_value": "0.3000", "order_id": ""},
        {"time": "2026-11-20T10:00:00Z", "instance_id": "conservative-btc",
         "strategy": "MACD 12/26/9", "symbol": "BTCUSDT", "side": "BUY",
         "price": "65000.12345678", "quantity": "0.00000001",
         "quote_value": "0.0006500012345678", "order_id": "42"},
        {"time": "2026-11-24T20:05:00Z", "instance_id": "", "strategy": "manual",
         "symbol": "BNBUSDT", "side": "BUY", "price": "600.5", "quantity": "2",
         "quote_value": "1201.0", "order_id": "7"},
    ]  # fmt: skip
    assert report.rows == 3


def test_trades_outside_the_period_or_not_executed_are_left_out(service: CsvReportWriter) -> None:
    def log(when: datetime, executed: bool) -> DecisionLog:
        return DecisionLog(decision_time=when, trade_executed=executed, executed_price="1")

    rows = [
        log(WEEK.start - timedelta(seconds=1), True),
        log(WEEK.start, True),
        log(NOW - timedelta(days=1), False),
        log(NOW - timedelta(seconds=1), True),
        log(NOW, True),
        DecisionLog(trade_executed=True),  # no time: only in "all"
    ]
    assert [r["time"] for r in read(service.trades_csv(rows, WEEK))] == [
        "2026-11-17T21:05:00Z",
        "2026-11-24T21:04:59Z",
    ]
    assert service.trades_csv(rows, parse_period("all", now=NOW + timedelta(seconds=1))).rows == 5


def test_file_has_no_bom_and_uses_crlf(service: CsvReportWriter) -> None:
    report = service.trades_csv([], WEEK)
    assert not report.content.startswith(b"\xef\xbb\xbf")
    assert report.content.endswith(b"order_id\r\n")
    assert report.rows == 0
    assert report.media_type == "text/csv"


def test_formula_cells_are_neutralised_but_numbers_are_not(service: CsvReportWriter) -> None:
    hostile = ['=HYPERLINK("http://x","click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
               "\tTAB", "\rCR"]  # fmt: skip
    rows = [
        {"time": NOW - timedelta(minutes=i + 1), "strategy": text, "symbol": "X",
         "price": "-12.5", "quantity": "+3", "order_id": "-7"}
        for i, text in enumerate(hostile)
    ]  # fmt: skip
    parsed = read(service.trades_csv(rows, WEEK))
    assert sorted(r["strategy"] for r in parsed) == sorted("'" + text for text in hostile)
    assert {(r["price"], r["quantity"], r["order_id"]) for r in parsed} == {("-12.5", "+3", "-7")}
    assert cell("-1e5") == "-1e5"
    assert cell("-Infinity") == "'-Infinity"
    assert cell("normal = text") == "normal = text"


def test_cells_print_values_exactly() -> None:
    assert cell(Decimal("1E+3")) == "1000"
    assert cell(Decimal("-0.000000010")) == "-0.000000010"
    assert cell(0.1) == "0.1"
    assert cell(Decimal("NaN")) == ""
    assert cell(None) == ""
    assert cell(True) == "true"
    assert cell(7) == "7"
    assert cell(datetime(2026, 1, 2, 3, 4, 5, 678000)) == "2026-01-02T03:04:05.678000Z"
    berlin = datetime(2026, 7, 1, 12, 0, tzinfo=UTC).astimezone(ZoneInfo("Europe/Berlin"))
    assert cell(berlin) == "2026-07-01T12:00:00Z"


def test_orders_csv_reads_the_orders_table_rows(service: CsvReportWriter) -> None:
    rows = [
        OrderRecord(symbol="BTCUSDT", order_id="1001", client_order_id="=x", side="BUY",
                    type="LIMIT", status="CLOSED_TP", price="65000.10", orig_qty="0.01000000",
                    executed_qty="0.01000000", cummulative_quote_qty="650.00100000",
                    transact_time=int((NOW - timedelta(hours=2)).timestamp() * 1000)),
        OrderRecord(symbol="BTCUSDT", order_id="999", transact_time="2020-01-01T00:00:00Z"),
    ]  # fmt: skip
    report = service.orders_csv(rows, WEEK)
    assert header(report) == [
        "time", "symbol", "order_id", "client_order_id", "side", "type", "status", "price",
        "orig_qty", "executed_qty", "quote_qty",
    ]  # fmt: skip
    assert read(report) == [
        {"time": "2026-11-24T19:05:00Z", "symbol": "BTCUSDT", "order_id": "1001",
         "client_order_id": "'=x", "side": "BUY", "type": "LIMIT", "status": "CLOSED_TP",
         "price": "65000.10", "orig_qty": "0.01000000", "executed_qty": "0.01000000",
         "quote_qty": "650.00100000"},
    ]  # fmt: skip
    assert report.filename == "orders_2026-11-17_2026-11-24.csv"


def snapshot(instance: str, hours_ago: float, balance: str, **extra: object) -> PortfolioSnapshot:
    return PortfolioSnapshot.model_validate(
        {"instance_id": instance, "strategy_name": f"{instance} strategy", "symbol": "BTCUSDT",
         "snapshot_time": NOW - timedelta(hours=hours_ago), "total_balance": balance, **extra}
    )  # fmt: skip


def test_performance_rows_are_the_screens_figures(service: CsvReportWriter) -> None:
    before = snapshot(
        "btc",
        24 * 8,
        "10000.00",
        total_trades=3,
        winning_trades=2,
        total_realized_pnl="5",
        current_drawdown=None,
    )
    inside = [
        snapshot("btc", 24 * 6, "10400.00", total_trades=5, winning_trades=3,
                 total_realized_pnl="40", current_drawdown=None),
        snapshot("btc", 1, "10123.45", total_trades=10, winning_trades=6,
                 total_realized_pnl="112.5", current_drawdown=None),
    ]  # fmt: skip
    btc = period_figures("btc", "btc strategy", ScreenPeriod.WEEK, before, inside, trades=4)
    eth = period_figures("eth", None, ScreenPeriod.WEEK, None, [snapshot("eth", 2, "9990.10")], 0)
    rows = performance_rows([btc, eth])
    assert rows[0] == PerformanceRow(
        instance_id="btc", strategy="btc strategy", symbol="BTCUSDT",
        start_balance=Decimal("10000.00"), end_balance=Decimal("10123.45"),
        pnl=Decimal("123.45"), realized_pnl=Decimal("107.5"),
        trades=4,  # the period's fills, as on /performance: not the snapshots' 10 - 3 closed
        winning_trades=4, win_rate_pct=Decimal("57.14"),  # of the 7 closed in the period
        max_drawdown_pct=Decimal("2.66"),  # from the balance peak: current_drawdown is NULL
    )  # fmt: skip
    assert (rows[1].instance_id, rows[1].pnl, rows[1].trades) == ("eth", Decimal("0.00"), 0)
    report = service.performance_csv(rows, WEEK)
    parsed = read(report)
    assert parsed[0]["period_start"] == "2026-11-17T21:05:00Z"
    assert parsed[0]["period_end"] == "2026-11-24T21:05:00Z"
    assert (parsed[0]["pnl"], parsed[0]["trades"], parsed[0]["win_rate_pct"]) == (
        "123.45",
        "4",
        "57.14",
    )
    assert parsed[1]["win_rate_pct"] == ""
    assert report.filename == "performance_2026-11-17_2026-11-24.csv"


def test_performance_accepts_plain_dicts(service: CsvReportWriter) -> None:
    report = service.performance_csv([{"strategy_name": "@evil", "pnl": "-1.50"}], WEEK)
    row = read(report)[0]
    assert (row["strategy"], row["pnl"], row["trades"]) == ("'@evil", "-1.50", "")


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("24h", NOW - timedelta(hours=24), NOW),
        (" 7D ", NOW - timedelta(days=7), NOW),
        ("30d", NOW - timedelta(days=30), NOW),
        ("2w", NOW - timedelta(days=14), NOW),
        ("all", EPOCH, NOW),
        (
            "2026-11-01..2026-11-24",
            datetime(2026, 11, 1, tzinfo=UTC),
            datetime(2026, 11, 25, tzinfo=UTC),
        ),
        ("2026-11-24", datetime(2026, 11, 24, tzinfo=UTC), datetime(2026, 11, 25, tzinfo=UTC)),
    ],
)
def test_period_parser_accepts(text: str, start: datetime, end: datetime) -> None:
    assert parse_period(text, now=NOW) == (start, end)


def test_date_range_is_read_in_the_users_zone_across_dst() -> None:
    start, end = parse_period("2026-10-24..2026-10-25", now=NOW, tz="Europe/Berlin")
    assert start == datetime(2026, 10, 23, 22, 0, tzinfo=UTC)  # CEST, UTC+2
    assert end == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)  # CET after the switch, UTC+1
    period = Period(start, end)
    assert report_filename("trades", period, "Europe/Berlin") == "trades_2026-10-24_2026-10-25.csv"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "not a period"),
        ("7x", "not a period"),
        ("yesterday", "not a period"),
        ("0d", "between 1 hour and 10 years"),
        ("99999d", "between 1 hour and 10 years"),
        ("2026-02-30..2026-03-01", "not a valid date"),
        ("2026-11-24..2026-11-01", "ends (2026-11-01) before it starts (2026-11-24)"),
        ("2000-01-01..2020-01-01", "at most 10 years"),
        ("0001-01-01", "between 1970 and 2999"),
        ("9999-12-31", "between 1970 and 2999"),
        ("٢٠٢٦-١١-٠١", "not a period"),
        ("x" * 500, "too long"),
    ],
)
def test_period_parser_rejects_with_a_clear_sentence(text: str, says: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_period(text, now=NOW)
    assert says in caught.value.user_message
    assert len(caught.value.user_message) < 200


def test_file_names_name_the_days_covered(service: CsvReportWriter) -> None:
    assert report_filename("trades", service.period("2026-11-01..2026-11-24")) == (
        "trades_2026-11-01_2026-11-24.csv"
    )
    assert report_filename("trades", service.period("24h")) == "trades_2026-11-23_2026-11-24.csv"
    assert report_filename("orders", service.period("all")) == "orders_all_2026-11-24.csv"

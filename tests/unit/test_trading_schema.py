"""The fake trading tables come from `real-trading-schema.tsv`, the verified facts file."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import BigInteger, Boolean, DateTime, Integer, Numeric, String, Text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateTable

from telegram_frontend.sandbox.backends.trading_schema import (
    PACKAGED_SCHEMA,
    TABLE_NAMES,
    build_metadata,
    load_schema,
    parse_schema,
    required_columns,
)
from tests.real_schema import shared_schema_file


def test_the_packaged_copy_is_the_shared_facts_file_byte_for_byte() -> None:
    shared = shared_schema_file(packaged_fallback=False)
    if shared is None:
        pytest.skip("../shared/real-trading-schema.tsv is not beside this checkout")
    assert PACKAGED_SCHEMA.read_bytes() == shared.read_bytes()


def test_every_table_and_column_of_the_file_becomes_a_table_column() -> None:
    specs = load_schema()
    metadata = build_metadata(specs)
    assert set(metadata.tables) == set(TABLE_NAMES)
    for spec in specs:
        column = metadata.tables[spec.table].c[spec.name]
        assert column.nullable is spec.nullable or spec.name == "id"


def test_real_types_sizes_and_not_null_columns() -> None:
    tables = build_metadata().tables
    orders, decisions = tables["orders"], tables["trading_decision_logs"]
    assert isinstance(orders.c.order_id.type, BigInteger)  # not text
    assert isinstance(decisions.c.order_id.type, String) and decisions.c.order_id.type.length == 255
    assert isinstance(decisions.c.trade_allowed.type, Boolean)
    assert isinstance(decisions.c.blocked_reason.type, Text)
    price = decisions.c.current_price.type.dialect_impl(postgresql.dialect())
    assert isinstance(price, Numeric) and (price.precision, price.scale) == (20, 8)
    assert isinstance(decisions.c.decision_time.type, DateTime)
    assert decisions.c.decision_time.type.timezone is False  # UTC without a zone
    assert isinstance(tables["portfolio_snapshots"].c.total_trades.type, Integer)
    assert {
        "order_list_id",
        "working_time",
        "display_working_time",
        "self_trade_prevention_mode",
        "time_in_force",
        "fills",
    } <= required_columns(load_schema(), "orders")
    assert {"strategy_name", "symbol", "interval", "kline_timestamp", "kline_close_time"} <= (
        required_columns(load_schema(), "strategy_analysis_events")
    )


@pytest.mark.parametrize("dialect", [postgresql.dialect(), sqlite.dialect()])
def test_the_ddl_compiles_for_postgresql_and_sqlite(dialect: object) -> None:
    for table in build_metadata().tables.values():
        ddl = str(CreateTable(table).compile(dialect=dialect))  # type: ignore[arg-type]
        assert "NOT NULL" in ddl


def test_an_unknown_type_is_refused_not_guessed(tmp_path: Path) -> None:
    text = "table\tcolumn\ttype\tlength_or_precision\tnullable\nt\tx\tmoney\t\tYES\n"
    with pytest.raises(ValueError, match="unknown column type 'money'"):
        build_metadata(parse_schema(text))

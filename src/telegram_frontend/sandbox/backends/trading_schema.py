"""The trading system's four tables, built from `real-trading-schema.tsv` (the verified facts).

The TSV lists every column of the real migrations with its type, size and nullability; the fake
trading database and the contract tests both create their tables from it, so neither can drift
from the real schema. `TRADING_SCHEMA_TSV` points at another copy (e.g. `../shared/`).
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeEngine

PACKAGED_SCHEMA = Path(__file__).with_name("real-trading-schema.tsv")
SCHEMA_ENV = "TRADING_SCHEMA_TSV"
TABLE_NAMES = (
    "trading_decision_logs",
    "portfolio_snapshots",
    "orders",
    "strategy_analysis_events",
)


@dataclass(frozen=True)
class ColumnSpec:
    table: str
    name: str
    type: str
    size: str
    nullable: bool


def schema_path() -> Path:
    """The TSV to build from: `TRADING_SCHEMA_TSV` when set, else the copy shipped here."""
    override = os.environ.get(SCHEMA_ENV)
    return Path(override) if override else PACKAGED_SCHEMA


def parse_schema(text: str) -> list[ColumnSpec]:
    """Rows of `table, column, type, length_or_precision, nullable` (header line first)."""
    reader = csv.DictReader(io.StringIO(text), delimiter="\t")
    return [
        ColumnSpec(
            table=row["table"].strip(),
            name=row["column"].strip(),
            type=row["type"].strip(),
            size=(row["length_or_precision"] or "").strip(),
            nullable=row["nullable"].strip().upper() == "YES",
        )
        for row in reader
        if row.get("table")
    ]


def load_schema(path: Path | None = None) -> list[ColumnSpec]:
    return parse_schema((path or schema_path()).read_text(encoding="utf-8"))


def _type(spec: ColumnSpec) -> TypeEngine[Any]:
    kind = spec.type
    if kind == "character varying":
        return String(int(spec.size)) if spec.size else String()
    if kind == "numeric":
        precision, _, scale = spec.size.partition(",")
        numeric: Numeric[Decimal] = Numeric(int(precision), int(scale or 0))
        # SQLite has no exact decimals: it stores floats, a quirk the reader must survive
        return numeric.with_variant(Float(), "sqlite")
    if kind == "bigint":
        return BigInteger()
    if kind == "integer":
        return Integer()
    if kind == "boolean":
        return Boolean()
    if kind == "text":
        return Text()
    if kind.startswith("timestamp"):
        return DateTime(timezone="with time zone" in kind)
    raise ValueError(
        f"unknown column type {kind!r} in the trading schema ({spec.table}.{spec.name})"
    )


def _column(spec: ColumnSpec) -> Column[Any]:
    if spec.name == "id":
        # a serial key; SQLite only autoincrements an INTEGER PRIMARY KEY
        key_type = _type(spec).with_variant(Integer(), "sqlite")
        return Column("id", key_type, primary_key=True, autoincrement=True)
    return Column(spec.name, _type(spec), nullable=spec.nullable)


def build_metadata(specs: list[ColumnSpec] | None = None) -> MetaData:
    """One `Table` per table of the TSV, columns in the file's order."""
    metadata = MetaData()
    by_table: dict[str, list[ColumnSpec]] = {}
    for spec in specs if specs is not None else load_schema():
        by_table.setdefault(spec.table, []).append(spec)
    for name, columns in by_table.items():
        ordered = sorted(columns, key=lambda c: c.name != "id")  # the key first
        Table(name, metadata, *(_column(c) for c in ordered))
    return metadata


def required_columns(specs: list[ColumnSpec], table: str) -> set[str]:
    """NOT NULL columns other than the generated key: a writer must fill every one."""
    return {s.name for s in specs if s.table == table and not s.nullable and s.name != "id"}

"""`/report`: the CSV the bot sends is read back from the emulator and matches the data."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from telegram_frontend.core.access import Role
from tests.e2e.harness import World, text_of


async def test_trades_report_is_a_csv_of_exactly_the_trades_in_the_period(world: World) -> None:
    db = world.backends.db
    assert db is not None
    now = datetime.now(UTC)
    rows = [
        ("conservative-btc", "BTCUSDT", "BUY", Decimal("65000.5"), Decimal("0.01"), 2),
        ("aggressive-eth", "ETHUSDT", "SELL", Decimal("3200.25"), Decimal("0.05"), 1),
        ("conservative-btc", "BTCUSDT", "SELL", Decimal("65100"), Decimal("0.01"), 40),
    ]
    for instance, symbol, side, price, qty, days_ago in rows:
        await db.insert_trade(instance, symbol, side, price, qty, now - timedelta(days=days_ago))
    viewer = await world.app.user_with_role(8101, Role.VIEWER)
    replies = await viewer.send("/report trades 7d")
    documents = [m for m in replies if m.document]
    assert len(documents) == 1, text_of(replies)
    assert documents[0].document is not None
    assert documents[0].document["file_name"].startswith("trades_")
    assert (documents[0].caption or "").startswith("Rows: 2, period ")  # no "1 rows" form
    content = await world.app.client.download(documents[0].document["file_id"])
    table = list(csv.DictReader(io.StringIO(content.decode("utf-8"))))
    got = [(r["symbol"], r["side"], Decimal(r["price"]), Decimal(r["quantity"])) for r in table]
    assert got == [  # exact decimals (PostgreSQL keeps the column's scale: 65000.50000000)
        ("BTCUSDT", "BUY", Decimal("65000.5"), Decimal("0.01")),
        ("ETHUSDT", "SELL", Decimal("3200.25"), Decimal("0.05")),
    ]


async def test_a_bad_report_request_is_explained(world: World) -> None:
    viewer = await world.app.user_with_role(8102, Role.VIEWER)
    assert "/report trades 7d" in text_of(await viewer.send("/report"))
    assert "trades or orders" in text_of(await viewer.send("/report positions 7d"))
    assert "24h, 7d, 30d, all" in text_of(await viewer.send("/report trades yesterday"))

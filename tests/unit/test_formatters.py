"""Text that Telegram always accepts: escaped, balanced, and under the limit."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from telegram_frontend.core.formatters import (
    esc,
    money,
    paginate,
    pct,
    pre_block,
    price_text,
    qty,
    signed,
    table,
    text_block,
    truncate,
    utf16_len,
    visible_len,
    when,
)


def test_escaping_keeps_names_literal() -> None:
    assert esc("<b>BTC_USDT & co</b>") == "&lt;b&gt;BTC_USDT &amp; co&lt;/b&gt;"
    assert esc(None) == ""


def test_numbers() -> None:
    assert money(Decimal("1234.565")) == "1,234.57"
    assert money(None) == "—"
    assert money("NaN") == "—"
    assert signed(Decimal("-4")) == "-4.00"
    assert signed(Decimal("12.3"), unit="USDT") == "+12.30 USDT"
    assert signed(0) == "0.00"
    assert pct(Decimal("-2.5"), signed_=True) == "-2.50%"
    assert qty(Decimal("0.01000000")) == "0.01"
    assert qty(Decimal("5")) == "5"


def test_quantities_are_trimmed_and_grouped_but_never_rounded() -> None:
    assert qty(Decimal("9933.68766")) == "9,933.68766"
    assert qty(Decimal("0.123456789012")) == "0.123456789012"  # no silent 8-place cut
    assert qty(Decimal("1E+3")) == "1,000"
    assert qty(Decimal("0E-8")) == "0"
    assert qty(Decimal("0.123456789"), 8) == "0.12345679"  # only when the caller asks (≈)


def test_prices_show_at_least_cents_or_the_symbols_tick() -> None:
    assert price_text(Decimal("66302.5")) == "66,302.50"  # never one decimal
    assert price_text(Decimal("66000")) == "66,000.00"
    assert price_text(Decimal("66000.123")) == "66,000.123"
    assert price_text(Decimal("0.00001234")) == "0.00001234"  # small prices in full
    assert price_text(Decimal("1.123456789")) == "1.12345679"  # Binance's finest: 8
    assert price_text(Decimal("66302.5"), Decimal("0.01000000")) == "66,302.50"
    assert price_text(Decimal("0.0512"), Decimal("0.00010000")) == "0.0512"
    assert price_text(Decimal("3150"), Decimal("0.10000000")) == "3,150.00"
    assert price_text(None) == "—"


def test_time_in_the_users_zone() -> None:
    moment = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    assert when(moment, "Europe/Berlin") == "2026-01-15 13:00 CET"
    assert when(moment, "Not/AZone") == "2026-01-15 12:00 UTC"


def test_utf16_length_counts_emoji_as_two() -> None:
    assert utf16_len("a😀") == 3
    assert visible_len("<b>a&amp;b</b>") == 3


def test_long_output_is_split_into_valid_messages_at_line_boundaries() -> None:
    rows = [[f"SYM_{n}<x>", money(n * 1000), signed(-n)] for n in range(600)]
    messages = paginate([text_block("<b>Orders</b>"), pre_block(table(rows, ["sym", "px", "pnl"]))])
    assert len(messages) > 2
    for message in messages:
        assert visible_len(message) <= 4096
        assert message.count("<pre>") == message.count("</pre>")
    body = "".join(messages)
    for n in (0, 299, 599):
        assert f"SYM_{n}&lt;x&gt;" in body
    assert "<x>" not in body


def test_a_single_huge_line_is_cut_not_dropped() -> None:
    messages = paginate([text_block(esc("x" * 9000))])
    assert sum(visible_len(m) for m in messages) == 9000
    assert all(visible_len(m) <= 4096 for m in messages)


def test_truncate_respects_utf16() -> None:
    text = "😀" * 600
    short = truncate(text, 1024)
    assert utf16_len(short) <= 1024
    assert short.endswith("…")

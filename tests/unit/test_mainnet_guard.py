"""The mainnet guard fails closed: only a known testnet host with BINANCE_TESTNET=true is safe.

Finding 6 of the security review: the guard checked the host name only, so a proxy URL with
BINANCE_TESTNET=false, or `https://api.binance.com.` (trailing dot), could place real orders.
"""

from __future__ import annotations

import pytest

from telegram_frontend.clients.binance.client import BinanceClient, MainnetOrdersDisabled
from telegram_frontend.core.settings import Settings


def client(**values: object) -> BinanceClient:
    return BinanceClient.from_settings(Settings(_env_file=None, **values))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "values",
    [
        {"binance_base_url": "https://api.binance.com."},
        {"binance_base_url": "https://API.Binance.com../"},
        {"binance_base_url": "https://binance-proxy.internal:8443", "binance_testnet": False},
        {"binance_base_url": "https://binance-proxy.internal:8443", "binance_testnet": True},
        {"binance_base_url": "https://testnet.binance.vision", "binance_testnet": False},
        {"binance_base_url": "https://testnet.binance.vision.evil.example"},
        {"binance_base_url": "http://127.0.0.1:8083"},
        {"binance_testnet": False},
    ],
)
def test_orders_are_refused_unless_the_host_is_a_known_testnet(values: dict[str, object]) -> None:
    guarded = client(**values)
    assert guarded.is_mainnet
    with pytest.raises(MainnetOrdersDisabled, match="BINANCE_ALLOW_MAINNET_ORDERS"):
        guarded.ensure_orders_allowed()


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"binance_base_url": "https://testnet.binance.vision/"},
        {"binance_base_url": "https://testnet.binance.vision."},
        {"binance_base_url": "http://127.0.0.1:8083", "binance_testnet_hosts": "127.0.0.1"},
        {"binance_base_url": "https://api.binance.com.", "binance_allow_mainnet_orders": True},
        {"binance_testnet": False, "binance_allow_mainnet_orders": True},
    ],
)
def test_orders_are_allowed_on_a_known_testnet_or_when_mainnet_is_switched_on(
    values: dict[str, object],
) -> None:
    client(**values).ensure_orders_allowed()

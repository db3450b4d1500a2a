"""How the fake Binance reads a request: parameters, request weights and signed-request checks.

The checks follow Binance's order and texts: API-key format (-2014), unknown key (-2015),
mandatory `signature`/`timestamp` (-1102), recvWindow over 60 s (-1131), HMAC-SHA256 over the
query string followed by the body (-1022), then the timestamp window (-1021).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from telegram_frontend.sandbox.binance.exchange import FakeAccount
from telegram_frontend.sandbox.binance.market import BinanceApiError, missing

KEY_RE = re.compile(r"^[A-Za-z0-9]{64}$")
NUMBER_RE = re.compile(r"^([0-9]{1,20})(\.[0-9]{1,20})?$")
MAX_RECV_WINDOW = 60_000

WEIGHTS: dict[tuple[str, str], tuple[int, int]] = {
    # (method, path): (weight with `symbol`, weight without)
    ("GET", "/api/v3/exchangeInfo"): (20, 20),
    ("GET", "/api/v3/ticker/price"): (2, 4),
    ("GET", "/api/v3/ticker/24hr"): (2, 80),
    ("GET", "/api/v3/klines"): (2, 2),
    ("GET", "/api/v3/account"): (20, 20),
    ("GET", "/api/v3/order"): (4, 4),
    ("GET", "/api/v3/openOrders"): (6, 80),
    ("GET", "/api/v3/allOrders"): (20, 20),
    ("GET", "/api/v3/myTrades"): (20, 20),
    ("GET", "/api/v3/ticker/bookTicker"): (2, 4),
    ("GET", "/api/v3/avgPrice"): (2, 2),
    ("GET", "/api/v3/trades"): (25, 25),
    ("GET", "/sapi/v1/margin/isolated/allPairs"): (10, 10),
    ("GET", "/sapi/v1/capital/config/getall"): (10, 10),
}
_SIGNED = frozenset({"timestamp", "recvWindow", "signature"})
_ORDER = frozenset(
    {
        "symbol",
        "side",
        "type",
        "timeInForce",
        "quantity",
        "quoteOrderQty",
        "price",
        "newClientOrderId",
        "strategyId",
        "strategyType",
        "stopPrice",
        "trailingDelta",
        "icebergQty",
        "newOrderRespType",
        "selfTradePreventionMode",
        "pegPriceType",
        "pegOffsetValue",
        "pegOffsetType",
    }
)
_LISTS = frozenset({"symbol", "symbols", "symbolStatus"})
PARAMETERS: dict[tuple[str, str], frozenset[str]] = {
    # what each endpoint reads; anything else is answered with -1104 as Binance does
    ("GET", "/api/v3/ping"): frozenset(),
    ("GET", "/api/v3/time"): frozenset(),
    ("GET", "/api/v3/exchangeInfo"): _LISTS | {"permissions", "showPermissionSets"},
    ("GET", "/api/v3/ticker/price"): _LISTS,
    ("GET", "/api/v3/ticker/24hr"): _LISTS | {"type"},
    ("GET", "/api/v3/ticker/bookTicker"): _LISTS,
    ("GET", "/api/v3/klines"): frozenset(
        {"symbol", "interval", "startTime", "endTime", "timeZone", "limit"}
    ),
    ("GET", "/api/v3/depth"): frozenset({"symbol", "limit", "symbolStatus"}),
    ("GET", "/api/v3/avgPrice"): frozenset({"symbol"}),
    ("GET", "/api/v3/trades"): frozenset({"symbol", "limit"}),
    ("GET", "/api/v3/account"): _SIGNED | {"omitZeroBalances"},
    ("POST", "/api/v3/order"): _SIGNED | _ORDER,
    ("POST", "/api/v3/order/test"): _SIGNED | _ORDER | {"computeCommissionRates"},
    ("GET", "/api/v3/order"): _SIGNED | {"symbol", "orderId", "origClientOrderId"},
    ("DELETE", "/api/v3/order"): _SIGNED
    | {"symbol", "orderId", "origClientOrderId", "newClientOrderId", "cancelRestrictions"},
    ("GET", "/api/v3/openOrders"): _SIGNED | {"symbol"},
    ("DELETE", "/api/v3/openOrders"): _SIGNED | {"symbol"},
    ("GET", "/api/v3/allOrders"): _SIGNED | {"symbol", "orderId", "startTime", "endTime", "limit"},
    ("GET", "/api/v3/myTrades"): _SIGNED
    | {"symbol", "orderId", "startTime", "endTime", "fromId", "limit"},
    ("GET", "/sapi/v1/margin/allPairs"): _SIGNED | {"symbol"},
    ("GET", "/sapi/v1/margin/isolated/allPairs"): _SIGNED | {"symbol"},
    ("GET", "/sapi/v1/capital/config/getall"): _SIGNED,
    ("GET", "/fapi/v1/exchangeInfo"): frozenset(),
    ("GET", "/dapi/v1/exchangeInfo"): frozenset(),
}


def check_parameters(method: str, path: str, params: Mapping[str, str]) -> None:
    """Binance reads only the parameters an endpoint knows and refuses a request with others."""
    known = PARAMETERS.get((method, path))
    if known is None:
        return
    read = sum(1 for name in params if name in known)
    if read != len(params):
        raise BinanceApiError(
            -1104,
            f"Not all sent parameters were read; read '{read}' parameter(s) "
            f"but was sent '{len(params)}'.",
        )


def depth_weight(limit: int) -> int:
    if limit <= 100:
        return 5
    if limit <= 500:
        return 25
    return 50 if limit <= 1000 else 250


def request_weight(method: str, path: str, params: Mapping[str, str]) -> int:
    if path == "/api/v3/depth":
        raw = params.get("limit", "")
        return depth_weight(int(raw) if raw.isdigit() else 100)
    with_symbol, without = WEIGHTS.get((method, path), (1, 1))
    return with_symbol if "symbol" in params else without


def authenticate(
    api_key: str,
    accounts: Mapping[str, FakeAccount],
    params: Mapping[str, str],
    raw_query: str,
    raw_body: str,
    server_ms: int,
) -> FakeAccount:
    """The account behind a signed request, or Binance's error for it."""
    if not KEY_RE.match(api_key):
        raise BinanceApiError(-2014, "API-key format invalid.", 401)
    account = accounts.get(api_key)
    if account is None:
        raise BinanceApiError(-2015, "Invalid API-key, IP, or permissions for action.", 401)
    if not params.get("signature"):
        raise missing("signature")
    timestamp = int_param(params, "timestamp", required=True) or 0
    recv_window = int_param(params, "recvWindow") or 5000
    if recv_window > MAX_RECV_WINDOW:
        raise BinanceApiError(-1131, "recvWindow must be less than 60000")
    payload = strip_signature(raw_query) + strip_signature(raw_body)
    expected = hmac.new(account.secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, params["signature"].lower()):
        raise BinanceApiError(-1022, "Signature for this request is not valid.")
    if timestamp >= server_ms + 1000:
        raise BinanceApiError(
            -1021, "Timestamp for this request was 1000ms ahead of the server's time."
        )
    if server_ms - timestamp > recv_window:
        raise BinanceApiError(-1021, "Timestamp for this request is outside of the recvWindow.")
    return account


def strip_signature(raw: str) -> str:
    """The signed payload: the raw string without its `signature=` pair."""
    return "&".join(p for p in raw.split("&") if not p.startswith("signature=")) if raw else ""


def int_param(params: Mapping[str, str], name: str, *, required: bool = False) -> int | None:
    raw = params.get(name)
    if not raw:
        if required:
            raise missing(name)
        return None
    if not raw.lstrip("-").isdigit():
        raise BinanceApiError(
            -1100,
            f"Illegal characters found in parameter '{name}'; legal range is '^[0-9]{{1,20}}$'.",
        )
    return int(raw)


def decimal_param(
    params: Mapping[str, str], name: str, *, required: bool = False
) -> Decimal | None:
    raw = params.get(name)
    if not raw:
        if required:
            raise missing(name)
        return None
    if not NUMBER_RE.match(raw):
        raise BinanceApiError(
            -1100,
            f"Illegal characters found in parameter '{name}'; "
            f"legal range is '{NUMBER_RE.pattern}'.",
        )
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise missing(name) from None


def choice_param(
    params: Mapping[str, str], name: str, allowed: tuple[str, ...], code: int, msg: str
) -> str:
    raw = params.get(name)
    if not raw:
        raise missing(name)
    if raw not in allowed:
        raise BinanceApiError(code, msg)
    return raw

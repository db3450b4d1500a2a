"""Signed HTTP to Binance: HMAC signing, clock offset, request weight, bans and error sentences.

Everything Binance counts per IP or per host (used weight, Retry-After bans, clock offset) lives in
an `ExchangeState` that clients built by one factory share, because Binance counts it that way too.
The API secret is read only while signing; no URL, header or signature ever reaches an exception
or a log line (httpx's own request log gets the signature cut out).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from pydantic import SecretStr

from telegram_frontend.clients.binance.models import SymbolFilters
from telegram_frontend.clients.json_body import NotJson, exact_json
from telegram_frontend.core.errors import ExchangeError
from telegram_frontend.core.settings import Settings

log = logging.getLogger(__name__)

WEIGHT_HEADER = "X-MBX-USED-WEIGHT-1M"
KEY_HEADER = "X-MBX-APIKEY"
DEFAULT_RETRY_AFTER_S = 60
BAD_KEY = "Binance rejected the API key or its permissions."
_SIGNATURE_RE = re.compile(r"signature=[0-9a-fA-F]+")


@dataclass(frozen=True)
class BinanceCredentials:
    """An API key pair; both parts stay `SecretStr` so a repr or log shows only stars."""

    api_key: SecretStr
    api_secret: SecretStr

    @classmethod
    def of(cls, api_key: str, api_secret: str) -> BinanceCredentials:
        return cls(SecretStr(api_key), SecretStr(api_secret))

    @classmethod
    def from_settings(cls, settings: Settings) -> BinanceCredentials | None:
        """The system keys (BINANCE_API_KEY / BINANCE_API_SECRET), None unless both are set."""
        key, secret = settings.binance_api_key, settings.binance_api_secret
        if key is None or secret is None or not key.get_secret_value():
            return None
        return cls(key, secret)

    @property
    def key_hint(self) -> str:
        """The last four characters of the key, enough for a user to recognise it."""
        return "…" + self.api_key.get_secret_value()[-4:]


@dataclass
class ExchangeState:
    """What Binance tracks per IP (weight, bans) and per host (clock); shared by our clients."""

    used_weight: int | None = None
    blocked_until: float = 0.0
    clock_offset_ms: int = 0
    filters: dict[str, SymbolFilters] = field(default_factory=dict)
    filters_loaded_at: float | None = None


TESTNET_HOSTS = ("testnet.binance.vision",)


def url_host(url: str) -> str:
    """The host name as DNS resolves it: lower case, without the root's trailing dots."""
    return (urlsplit(url).hostname or "").lower().rstrip(".")


def is_mainnet_url(url: str) -> bool:
    """True for the real exchange's hosts (binance.com, binance.us), trailing dot or not."""
    host = url_host(url)
    return any(host == d or host.endswith("." + d) for d in ("binance.com", "binance.us"))


def is_known_testnet(url: str, testnet: bool, testnet_hosts: tuple[str, ...]) -> bool:
    """Fail closed: only a known testnet host with BINANCE_TESTNET=true is not the real money.

    A proxy, a look-alike or any unknown host counts as mainnet, whatever its name says.
    """
    known = {h.lower().rstrip(".") for h in testnet_hosts}
    return testnet and url_host(url) in known


class _RedactSignature(logging.Filter):
    """httpx logs each request URL at INFO; a signed URL is replayable, so cut the signature."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(
                _SIGNATURE_RE.sub("signature=<redacted>", a) if isinstance(a, str) else _redact(a)
                for a in record.args
            )
        return True


def _redact(value: object) -> object:
    text = str(value)
    return _SIGNATURE_RE.sub("signature=<redacted>", text) if "signature=" in text else value


def _install_redactor() -> None:
    httpx_log = logging.getLogger("httpx")
    if not any(isinstance(f, _RedactSignature) for f in httpx_log.filters):
        httpx_log.addFilter(_RedactSignature())


class BinanceTransport:
    """Sends one request at a time the way Binance wants, and turns failures into sentences."""

    def __init__(
        self,
        base_url: str,
        credentials: BinanceCredentials | None,
        *,
        recv_window_ms: int,
        connect_timeout: float,
        read_timeout: float,
        state: ExchangeState,
        http: httpx.AsyncClient | None,
        transport: httpx.AsyncBaseTransport | None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        _install_redactor()
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.state = state
        self.monotonic = monotonic
        self._recv_window_ms = recv_window_ms
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._clock = clock
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout), transport=transport
        )

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        signed: bool = False,
        mutating: bool = False,
    ) -> Any:
        """Send one request; on -1021 resync the clock from /api/v3/time and try once more."""
        self._refuse_while_banned()
        for attempt in range(2):
            response = await self._send(method, path, params or {}, signed, mutating)
            self._track_weight(response)
            if response.status_code in (418, 429):
                raise self._ban(response)
            if response.is_success:
                return _json(response)
            code, msg = _error_body(response)
            if code == -1021 and signed and attempt == 0:
                log.warning("binance rejected our timestamp; resyncing the clock")
                await self.sync_clock()
                continue
            log.warning(
                "binance %s %s failed: HTTP %d code %s", method, path, response.status_code, code
            )
            raise map_error(response.status_code, code, msg)
        raise AssertionError("unreachable")

    async def sync_clock(self) -> int:
        """Measure the offset between Binance's clock and ours; later timestamps include it."""
        before = self._clock()
        data = await self.request("GET", "/api/v3/time")
        local_ms = int((before + self._clock()) / 2 * 1000)
        self.state.clock_offset_ms = int(data["serverTime"]) - local_ms
        log.info("binance clock offset resynced: %d ms", self.state.clock_offset_ms)
        return self.state.clock_offset_ms

    async def _send(
        self, method: str, path: str, params: dict[str, Any], signed: bool, mutating: bool
    ) -> httpx.Response:
        query = urlencode(params)
        headers = {}
        if signed:
            creds = self._require_credentials()
            query = self._sign(query, creds)
            headers[KEY_HEADER] = creds.api_key.get_secret_value()
        url = f"{self.base_url}{path}" + (f"?{query}" if query else "")
        try:
            return await self._http.request(method, url, headers=headers)
        except httpx.TimeoutException as exc:
            raise self._timeout_error(exc, mutating) from None
        except httpx.HTTPError:
            raise ExchangeError("Binance could not be reached (network error).") from None

    def _timeout_error(self, exc: httpx.TimeoutException, mutating: bool) -> ExchangeError:
        connecting = isinstance(exc, httpx.ConnectTimeout)
        limit = self._connect_timeout if connecting else self._read_timeout
        text = f"Binance did not answer within {limit:g} s."
        if mutating and not connecting:
            text += " The request may still have been executed: check the open orders."
        return ExchangeError(text)

    def _sign(self, query: str, creds: BinanceCredentials) -> str:
        """Append timestamp and recvWindow, then sign exactly the string that will be sent."""
        now_ms = int(self._clock() * 1000) + self.state.clock_offset_ms
        extra = urlencode({"timestamp": now_ms, "recvWindow": self._recv_window_ms})
        payload = f"{query}&{extra}" if query else extra
        secret = creds.api_secret.get_secret_value().encode()
        signature = hmac.new(secret, payload.encode(), hashlib.sha256).hexdigest()
        return f"{payload}&signature={signature}"

    def _require_credentials(self) -> BinanceCredentials:
        if self.credentials is None:
            raise ExchangeError("No Binance API key is configured for this account.")
        return self.credentials

    def _track_weight(self, response: httpx.Response) -> None:
        raw = response.headers.get(WEIGHT_HEADER)
        if raw and raw.isdigit():
            self.state.used_weight = int(raw)

    def _refuse_while_banned(self) -> None:
        left = self.state.blocked_until - self.monotonic()
        if left > 0:
            raise ExchangeError(
                f"Binance rate limited us; retry after {math.ceil(left)} s.", code=-1003
            )

    def _ban(self, response: httpx.Response) -> ExchangeError:
        """Remember Binance's Retry-After so we stop calling until it passes."""
        raw = response.headers.get("Retry-After", "")
        seconds = int(raw) if raw.isdigit() else DEFAULT_RETRY_AFTER_S
        self.state.blocked_until = self.monotonic() + seconds
        code, _ = _error_body(response)
        log.warning("binance HTTP %d: backing off for %d s", response.status_code, seconds)
        if response.status_code == 418:
            text = f"Binance has banned this IP for too many requests; retry after {seconds} s."
        else:
            text = f"Binance rate limited us; retry after {seconds} s."
        return ExchangeError(text, code=code or -1003)


def _json(response: httpx.Response) -> Any:
    try:
        return exact_json(response)
    except NotJson:
        raise ExchangeError("Binance answered with something that is not JSON.") from None


def _error_body(response: httpx.Response) -> tuple[int | None, str]:
    try:
        data = response.json()
    except ValueError:
        return None, ""
    if not isinstance(data, dict):
        return None, ""
    code = data.get("code")
    return (code if isinstance(code, int) else None), str(data.get("msg", ""))[:200]


_BY_CODE: dict[int, str] = {
    -2014: BAD_KEY,
    -2015: BAD_KEY,
    -1022: "Binance rejected the request signature: the API secret does not match the key.",
    -1021: (
        "Binance rejected our request time even after resyncing the clock; check the system clock."
    ),
    -2011: "Binance does not know this order: it may already be filled or cancelled.",
    -2013: "Binance does not know this order.",
    -1121: "Binance does not know this symbol.",
    -1003: "Binance rate limited us; try again in a minute.",
}


def map_error(status: int, code: int | None, msg: str) -> ExchangeError:
    """Turn Binance's `{code, msg}` into one sentence a user can act on."""
    if status == 401 and code not in _BY_CODE:
        return ExchangeError(BAD_KEY, code)
    if code in _BY_CODE:
        return ExchangeError(_BY_CODE[code], code)
    reason = msg.rstrip(".")
    if code == -2010:
        if "insufficient balance" in msg.lower():
            return ExchangeError("The Binance account balance is too low for this order.", code)
        return ExchangeError(f"Binance rejected the order: {reason}.", code)
    if code == -1013:
        return ExchangeError(f"The order does not pass Binance's filters ({reason}).", code)
    if code is not None and -1199 <= code <= -1100:
        return ExchangeError(f"Binance refused a request parameter: {reason}.", code)
    if status >= 500:
        return ExchangeError(f"Binance is unavailable right now (HTTP {status}).", code)
    detail = f": {reason}." if reason else f" (HTTP {status})."
    return ExchangeError(f"Binance refused the request{detail}", code)

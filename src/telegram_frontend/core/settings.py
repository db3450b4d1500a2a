"""Application settings from environment variables and an optional `.env` file.

One typed object read once at start; a bad or missing value ends the program with exit code 2
and one readable line per problem (see `load_settings`), never a traceback.
"""

from __future__ import annotations

import re
import sys
from functools import cached_property
from typing import Annotated, Literal

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from telegram_frontend.core.crypto import weak_key_reason

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/telegram_frontend.db"
TELEGRAM_PUBLIC_API = "https://api.telegram.org"
BINANCE_TESTNET_URL = "https://testnet.binance.vision"
BINANCE_MAINNET_URL = "https://api.binance.com"


class Settings(BaseSettings):
    """Every knob of the frontend; env var names are the field names in upper case."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        case_sensitive=False,
    )

    # Telegram
    telegram_bot_token: SecretStr | None = None
    telegram_api_base: str = TELEGRAM_PUBLIC_API
    telegram_mode: Literal["polling", "webhook"] = "polling"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    # Replicas behind one webhook URL: a replica that stops must not unregister it for the rest.
    telegram_webhook_keep_on_stop: bool = False
    # How long a replica's hold on an update it is handling lasts unrenewed: after it dies,
    # another replica takes its updates over within this (plus a third of it)
    telegram_webhook_lease_seconds: float = Field(default=30.0, ge=0.3, le=3600)
    admin_user_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)

    # Own storage
    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("DATABASE_URL", "POSTGRES_URL"),
    )
    redis_url: str | None = None
    redis_key_prefix: str = Field(default="tf:", min_length=1, max_length=64)
    secret_key: SecretStr | None = None

    # HTTP server (Prometheus scrapes /metrics here)
    http_host: str = "127.0.0.1"  # the container image and compose set 0.0.0.0
    http_port: int = Field(default=8000, ge=0, le=65535)

    # Logging
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["json", "console"] = "json"
    log_file: str | None = None

    # Trading system
    macd_trader_url: str | None = None
    macd_trader_api_key: SecretStr | None = None
    grid_trader_url: str | None = None
    data_storage_url: str | None = None
    data_collection_url: str | None = None
    prometheus_url: str | None = None
    grafana_url: str | None = None
    # Prometheus jobs shown are those labelled environment=<this> ("" shows every job)
    deployment_environment: str = "testnet"
    # Grafana dashboards the deployment does not provision (the testnet compose lacks macd-overlay)
    grafana_unprovisioned: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["macd-overlay"]
    )
    trading_database_url: str | None = None
    # Several deployments (testnet and mainnet side by side): see core/deployments.py
    deployments_file: str | None = None
    http_connect_timeout: float = Field(default=3.0, gt=0)
    http_read_timeout: float = Field(default=5.0, gt=0)
    http_retries: int = Field(default=2, ge=0, le=10)
    breaker_failure_threshold: int = Field(default=5, ge=1)
    breaker_reset_seconds: float = Field(default=30.0, gt=0)
    monitoring_cache_seconds: float = Field(default=5.0, ge=0)
    # How long the traders' strategy lists, the /status trading glance and the Binance account
    # serve a burst of commands from one fetch (0: always fetch).
    read_cache_seconds: float = Field(default=1.0, ge=0)
    # How long the access gate may reuse a caller's profile (dropped on every change; 0: off).
    caller_cache_seconds: float = Field(default=30.0, ge=0)
    # uvloop and orjson when installed (see core/fast_paths.py); "asyncio" / false to compare.
    event_loop: Literal["auto", "asyncio", "uvloop"] = "auto"
    fast_json: bool = True

    # Binance
    binance_api_key: SecretStr | None = None
    binance_api_secret: SecretStr | None = None
    binance_testnet: bool = True
    binance_base_url: str | None = None
    binance_allow_mainnet_orders: bool = False
    binance_testnet_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["testnet.binance.vision"]
    )
    binance_recv_window_ms: int = Field(default=5000, ge=1, le=60000)

    # Behaviour
    default_language: Literal["en", "ru"] = "en"
    default_timezone: str = "UTC"
    rate_limit_per_minute: int = Field(default=20, ge=1)
    access_requests_per_minute: int = Field(default=300, ge=1)
    access_request_ttl_days: float = Field(default=7.0, gt=0)
    access_announce_seconds: float = Field(default=3.0, gt=0)
    confirmation_ttl_seconds: int = Field(default=60, ge=5)

    # Delivery limits (Telegram's own, configurable for tests and benches)
    telegram_global_rate_per_second: float = Field(default=30.0, gt=0)
    telegram_private_chat_rate_per_second: float = Field(default=1.0, gt=0)
    telegram_group_rate_per_minute: float = Field(default=20.0, gt=0)

    # Workers
    trade_poll_seconds: float = Field(default=5.0, gt=0)
    risk_poll_seconds: float = Field(default=30.0, gt=0)
    health_poll_seconds: float = Field(default=30.0, gt=0)
    heartbeat_stale_seconds: float = Field(default=600.0, gt=0)
    workers_enabled: bool = True

    @field_validator("grafana_unprovisioned", mode="before")
    @classmethod
    def _split_uids(cls, value: object) -> object:
        if isinstance(value, str):
            return [p.strip() for p in value.split(",") if p.strip()]
        return value

    @field_validator("admin_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",")]
            return [p for p in parts if p]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("secret_key")
    @classmethod
    def _strong_secret_key(cls, value: SecretStr | None) -> SecretStr | None:
        """A short SECRET_KEY would let a stolen database be opened by guessing it."""
        reason = weak_key_reason(value.get_secret_value()) if value is not None else None
        if reason is not None:
            raise ValueError(reason)
        return value

    @field_validator("binance_testnet_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [p.strip().lower() for p in value.split(",") if p.strip()]
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        """Accept the plain URLs people paste and pick the async driver for them."""
        for plain, driver in (
            ("postgres://", "postgresql+asyncpg://"),
            ("postgresql://", "postgresql+asyncpg://"),
            ("sqlite://", "sqlite+aiosqlite://"),
        ):
            if value.startswith(plain):
                return driver + value[len(plain) :]
        if not value.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
            raise ValueError("must be a postgresql:// or sqlite:// URL")
        return value

    @field_validator("default_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @cached_property
    def binance_url(self) -> str:
        """The Binance REST base: an explicit override, else testnet or mainnet."""
        if self.binance_base_url:
            return self.binance_base_url.rstrip("/")
        return BINANCE_TESTNET_URL if self.binance_testnet else BINANCE_MAINNET_URL

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgresql")

    def secret_values(self) -> list[str]:
        """Every configured secret in plain text, for the log redactor."""
        secrets = [
            self.telegram_bot_token,
            self.telegram_webhook_secret,
            self.secret_key,
            self.macd_trader_api_key,
            self.binance_api_key,
            self.binance_api_secret,
            self.events_hmac_secret,
        ]
        return [s.get_secret_value() for s in secrets if s and s.get_secret_value()]

    # Notifications and alerts (outbox dispatcher, pollers, events API)
    events_hmac_secret: SecretStr | None = None
    notify_batch_size: int = Field(default=100, ge=1, le=1000)
    notify_lease_seconds: float = Field(default=60.0, gt=0)
    notify_idle_seconds: float = Field(default=1.0, gt=0)
    notify_max_attempts: int = Field(default=8, ge=1, le=50)
    notify_retry_base_seconds: float = Field(default=2.0, gt=0)
    notify_retry_max_seconds: float = Field(default=300.0, gt=0)
    notify_send_timeout_seconds: float = Field(default=10.0, gt=0)
    notify_concurrency: int = Field(default=8, ge=1, le=64)
    health_flap_polls: int = Field(default=2, ge=1, le=20)
    alert_poll_seconds: float = Field(default=30.0, gt=0)
    digest_poll_seconds: float = Field(default=60.0, gt=0)

    # HTTP API and webhook mode
    api_rate_limit_per_minute: int = Field(default=120, ge=1)
    http_max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    events_max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    events_signature_window_seconds: int = Field(default=300, ge=10, le=3600)
    events_rate_limit_per_minute: int = Field(default=60, ge=1)

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_secret_charset(cls, value: SecretStr | None) -> SecretStr | None:
        """Telegram accepts 1-256 characters of A-Z, a-z, 0-9, `_` and `-` only."""
        secret = value.get_secret_value() if value is not None else None
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("telegram_webhook_url")
    @classmethod
    def _webhook_url_scheme(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be an https:// URL that reaches POST /telegram/webhook")
        return value

    @model_validator(mode="after")
    def _webhook_needs_url_and_secret(self) -> Settings:
        """Webhook mode without a URL or a secret would accept anyone's updates, or none."""
        if self.telegram_mode == "webhook":
            missing = [
                name
                for name, value in (
                    ("TELEGRAM_WEBHOOK_URL", self.telegram_webhook_url),
                    ("TELEGRAM_WEBHOOK_SECRET", self.telegram_webhook_secret),
                )
                if not value
            ]
            if missing:
                raise PydanticCustomError(
                    "webhook_settings",
                    "TELEGRAM_MODE=webhook needs {missing}",
                    {"missing": " and ".join(missing)},
                )
        return self

    # Update handling (found by the fuzz drill: without a bound, a burst of updates starts a
    # task each at once and they queue for database connections past the pool's timeout)
    telegram_update_concurrency: int = Field(default=32, ge=1, le=1000)


def describe_errors(exc: ValidationError) -> list[str]:
    """One readable line per invalid setting, naming the environment variable."""
    lines = []
    for err in exc.errors():
        name = str(err["loc"][0]).upper() if err["loc"] else "SETTINGS"
        lines.append(f"{name}: {err['msg']}")
    return lines


def load_settings(**overrides: object) -> Settings:
    """Read the settings, or exit with code 2 and one line per problem."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        for line in describe_errors(exc):
            print(f"configuration error: {line}", file=sys.stderr)
        raise SystemExit(2) from None

"""Which trading deployments this bot serves: one `default`, or several from a TOML file.

The trading system ships as separate deployments (a testnet and a mainnet compose, each with its
own services, database, Prometheus and Binance keys). `DEPLOYMENTS_FILE` lists them; without it
today's single-deployment settings define one deployment named `default`, so nothing changes for
a bot that serves one. A bad file stops the program with exit code 2 and one line per problem,
as bad settings do.

File format (one table per deployment, in the order screens list them)::

    default = "testnet"            # optional; else the first one

    [deployments.testnet]
    label = "Testnet"
    emoji = "🧪"
    environment = "testnet"        # or "mainnet"
    macd_trader_url = "http://testnet-macd:8083"
    macd_trader_api_key = "${TESTNET_MACD_KEY}"   # ${VAR}: read from the environment

Every other key is the lower-case name of a trading-system setting (see `OVERRIDABLE`).
"""

from __future__ import annotations

import enum
import os
import re
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from telegram_frontend.core.errors import NotFound
from telegram_frontend.core.settings import Settings
from telegram_frontend.core.text_safety import quoted

DEFAULT_NAME = "default"
NAME_PATTERN = r"^[a-z][a-z0-9_-]{0,23}$"
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")

OVERRIDABLE = (
    "macd_trader_url",
    "macd_trader_api_key",
    "grid_trader_url",
    "data_storage_url",
    "data_collection_url",
    "prometheus_url",
    "grafana_url",
    "trading_database_url",
    "binance_api_key",
    "binance_api_secret",
    "binance_base_url",
    "binance_allow_mainnet_orders",
)
"""Settings a deployment sets for itself; everything else is shared by all deployments."""


class Environment(enum.StrEnum):
    TESTNET = "testnet"
    MAINNET = "mainnet"


class DeploymentSpec(BaseModel):
    """One deployment as configured: who it is, and where its services and keys are."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=NAME_PATTERN)
    label: str = Field(min_length=1, max_length=40)
    emoji: str = Field(default="", max_length=8)
    environment: Environment
    # Prometheus jobs of this deployment carry environment=<this>; default: `environment`.
    prometheus_environment: str | None = None
    macd_trader_url: str | None = None
    macd_trader_api_key: SecretStr | None = None
    grid_trader_url: str | None = None
    data_storage_url: str | None = None
    data_collection_url: str | None = None
    prometheus_url: str | None = None
    grafana_url: str | None = None
    trading_database_url: str | None = None
    binance_api_key: SecretStr | None = None
    binance_api_secret: SecretStr | None = None
    binance_base_url: str | None = None
    binance_allow_mainnet_orders: bool = False

    @property
    def is_mainnet(self) -> bool:
        return self.environment is Environment.MAINNET

    @property
    def title(self) -> str:
        """How screens name it: emoji and label."""
        return f"{self.emoji} {self.label}".strip()

    def secret_values(self) -> list[str]:
        secrets = (self.macd_trader_api_key, self.binance_api_key, self.binance_api_secret)
        return [s.get_secret_value() for s in secrets if s and s.get_secret_value()]


@dataclass(frozen=True)
class DeploymentsConfig:
    """Every deployment, in display order, and the one used when none is named."""

    specs: tuple[DeploymentSpec, ...]
    default: str
    from_file: bool

    @property
    def several(self) -> bool:
        return len(self.specs) > 1

    def secret_values(self) -> list[str]:
        return [value for spec in self.specs for value in spec.secret_values()]

    def names(self) -> list[str]:
        return [spec.name for spec in self.specs]

    def known(self, name: str) -> str:
        """The configured name for `name` (case-insensitive), or a clear refusal."""
        wanted = name.strip().lower()
        if wanted not in self.names():
            raise NotFound(
                f"There is no deployment called {quoted(name, 24)}. "
                f"Known: {', '.join(self.names())}."
            )
        return wanted


class DeploymentsError(Exception):
    """A deployments file that cannot be used; `problems` has one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def single_deployment(settings: Settings) -> DeploymentSpec:
    """Today's settings as the one deployment named `default`."""
    values = {field: getattr(settings, field) for field in OVERRIDABLE}
    return DeploymentSpec(
        name=DEFAULT_NAME,
        label="Default",
        environment=Environment.TESTNET if settings.binance_testnet else Environment.MAINNET,
        prometheus_environment=settings.deployment_environment,
        **values,
    )


def settings_for(settings: Settings, spec: DeploymentSpec) -> Settings:
    """The process settings with this deployment's services, keys and environment."""
    update: dict[str, Any] = {field: getattr(spec, field) for field in OVERRIDABLE}
    update["binance_testnet"] = not spec.is_mainnet
    environment = spec.prometheus_environment  # "" is a choice: every job
    update["deployment_environment"] = (
        environment if environment is not None else spec.environment.value
    )
    derived = settings.model_copy(update=update)
    derived.__dict__.pop("binance_url", None)  # a cached value of the base settings
    return derived


def load_deployments(settings: Settings) -> DeploymentsConfig:
    """The deployments of `DEPLOYMENTS_FILE`, or `default` from the settings; raises on problems."""
    if not settings.deployments_file:
        return DeploymentsConfig((single_deployment(settings),), DEFAULT_NAME, from_file=False)
    return read_deployments_file(Path(settings.deployments_file), os.environ)


def read_deployments_file(path: Path, environ: Mapping[str, str]) -> DeploymentsConfig:
    where = f"DEPLOYMENTS_FILE {path}"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DeploymentsError([f"{where}: cannot be read ({exc.strerror})"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise DeploymentsError([f"{where}: not valid TOML ({exc})"]) from None
    problems: list[str] = []
    unknown = sorted(set(data) - {"default", "deployments"})
    if unknown:
        problems.append(f"{where}: unknown top-level keys {', '.join(unknown)}")
    tables = data.get("deployments")
    if not isinstance(tables, dict) or not tables:
        raise DeploymentsError([*problems, f"{where}: no [deployments.<name>] table"])
    specs: list[DeploymentSpec] = []
    for name, table in tables.items():
        spec = _parse_entry(where, name, table, environ, problems)
        if spec is not None:
            specs.append(spec)
    default = data.get("default", next(iter(tables)))
    if default not in tables:
        problems.append(f"{where}: default {default!s:.40} is not one of the deployments")
    if problems:
        raise DeploymentsError(problems)
    return DeploymentsConfig(tuple(specs), str(default), from_file=True)


def _parse_entry(
    where: str, name: str, table: object, environ: Mapping[str, str], problems: list[str]
) -> DeploymentSpec | None:
    here = f"{where}: deployments.{name}"
    if not isinstance(table, dict):
        problems.append(f"{here}: must be a table")
        return None
    values: dict[str, Any] = {"name": name}
    for key, value in table.items():
        if key == "name":
            problems.append(f"{here}.name: the table's name is the deployment's name")
            continue
        if isinstance(value, str):
            value, missing = _expand(value, environ)
            for var in missing:
                problems.append(f"{here}.{key}: environment variable {var} is not set")
        values[key] = value
    try:
        return DeploymentSpec(**values)
    except ValidationError as exc:
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "?"
            label = "name" if field == "name" else f"{name}.{field}"
            problems.append(f"{where}: deployments.{label}: {err['msg']}")
        return None


def _expand(value: str, environ: Mapping[str, str]) -> tuple[str, list[str]]:
    missing: list[str] = []

    def one(match: re.Match[str]) -> str:
        found = environ.get(match.group(1))
        if found is None:
            missing.append(match.group(1))
            return ""
        return found

    return _ENV_REF.sub(one, value), missing


def load_deployments_or_exit(settings: Settings) -> DeploymentsConfig:
    """For the command line: the deployments, or exit 2 with one line per problem."""
    try:
        return load_deployments(settings)
    except DeploymentsError as exc:
        for line in exc.problems:
            print(f"configuration error: {line}", file=sys.stderr)
        raise SystemExit(2) from None

"""The deployment files: compose files that Docker accepts, an image that runs as non-root from
the hash-checked lock, and a health check that really tells a live server from a dead one.

`docker compose config` parses and validates without a Docker engine. It is skipped where the
docker CLI or its compose plugin is missing, except under CI=true when docker is installed.
"""

from __future__ import annotations

import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").lower() == "true"
COMPOSE = ROOT / "docker-compose.yml"
TESTNET = ROOT / "docker-compose.testnet.yml"
TRADING_SERVICES = {
    "MACD_TRADER_URL": "http://binance-trader-macd-testnet:8080",
    "DATA_STORAGE_URL": "http://binance-data-storage-testnet:8081",
    "DATA_COLLECTION_URL": "http://binance-data-collection-testnet:8080",
    "PROMETHEUS_URL": "http://prometheus-testnet:9090",
}


# -- Dockerfile --------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    found = []
    for line in joined.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        keyword, _, rest = stripped.partition(" ")
        found.append((keyword.upper(), " ".join(rest.split())))
    return found


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    starts = [i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM"]
    return instructions[starts[-1] :]


def healthcheck_command() -> list[str]:
    (check,) = [args for keyword, args in final_stage() if keyword == "HEALTHCHECK"]
    command: list[str] = json.loads(check[check.index("CMD ") + 4 :])
    return command


def test_image_runs_as_a_non_root_user() -> None:
    users = [args for keyword, args in final_stage() if keyword == "USER"]
    assert users, "the final stage sets no USER: the app would run as root"
    name = users[-1].split(":")[0]
    assert name not in ("root", "0")
    created = " ".join(args for keyword, args in final_stage() if keyword == "RUN")
    assert "useradd --system --uid 10001 --gid tgfront --home-dir /app" in created
    assert name == "tgfront"


def test_image_installs_the_hash_checked_lock_then_the_package_without_dependencies() -> None:
    runs = [args for keyword, args in dockerfile_instructions() if keyword == "RUN"]
    installs = [r for r in runs if "pip install" in r]
    assert any("--require-hashes" in r and "-r requirements.lock" in r for r in installs)
    assert any(
        "--no-deps" in r and re.search(r"pip install [^&]*--no-deps[^&]* \.", r) for r in runs
    )
    copies = [args for keyword, args in dockerfile_instructions() if keyword == "COPY"]
    assert any(c.startswith("requirements.lock ") for c in copies)
    for keyword, args in dockerfile_instructions():
        if keyword == "COPY" and not args.startswith("--from"):
            for source in args.split()[:-1]:
                assert (ROOT / source).exists(), f"COPY of a missing file: {source}"


def test_image_base_entrypoint_and_port() -> None:
    instructions = dockerfile_instructions()
    (base,) = [
        args for keyword, args in instructions if keyword == "ARG" and "PYTHON_IMAGE" in args
    ]
    assert re.fullmatch(r"PYTHON_IMAGE=python:3\.1[1-9]-slim(-\w+)?", base)
    final = dict(final_stage())
    assert final["EXPOSE"] == "8000"
    assert json.loads(final["ENTRYPOINT"]) == ["tgfront"]
    assert json.loads(final["CMD"]) == ["run"]


def test_healthcheck_asks_health_live_with_python_alone() -> None:
    command = healthcheck_command()
    assert command[:2] == ["python", "-c"]
    assert "/health/live" in command[2] and "urllib" in command[2]


class _Health(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        code = self.status if self.path == "/health/live" else 404
        self.send_response(code)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[http.server.HTTPServer]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def run_healthcheck(port: int) -> int:
    command = [sys.executable, *healthcheck_command()[1:]]
    env = {**os.environ, "HTTP_PORT": str(port)}
    return subprocess.run(command, env=env, capture_output=True, timeout=20).returncode


def test_healthcheck_passes_on_a_live_server_and_fails_otherwise(
    health_server: http.server.HTTPServer,
) -> None:
    port = health_server.server_address[1]
    _Health.status = 200
    assert run_healthcheck(port) == 0
    _Health.status = 503
    try:
        assert run_healthcheck(port) != 0
    finally:
        _Health.status = 200
    health_server.shutdown()
    health_server.server_close()
    assert run_healthcheck(port) != 0


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_build() -> None:
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".env", ".git", ".venv", "data", "**/__pycache__"} <= ignored
    for needed in ("requirements.lock", "pyproject.toml", "README.md", "src", "deploy"):
        assert needed not in ignored


def test_pinned_build_backend_satisfies_pyproject() -> None:
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    wanted = {Requirement(r).name: Requirement(r).specifier for r in requires}
    pins = re.findall(
        r"^([\w-]+)==([\w.]+) ", (ROOT / "deploy/build-requirements.txt").read_text(), re.M
    )
    assert pins, "deploy/build-requirements.txt pins nothing"
    for name, version in pins:
        assert version in wanted[name], f"{name}=={version} does not satisfy {wanted[name]}"
    assert "--hash=sha256:" in (ROOT / "deploy/build-requirements.txt").read_text()


def test_prune_keeps_the_runtime_closure_and_drops_the_dev_tools() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "deploy/prune_to_runtime.py"),
            "telegram-frontend",
            "--dry-run",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    dropped = set(re.findall(r"^  - (\S+)$", result.stdout, re.M))
    assert {"pytest", "mypy", "ruff", "playwright", "schemathesis"} <= dropped
    assert not dropped & {"aiogram", "fastapi", "sqlalchemy", "greenlet", "asyncpg", "matplotlib"}
    assert "telegram-frontend" not in dropped


# -- compose files ---------------------------------------------------------------------------


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    return data


def test_compose_runs_the_frontend_on_healthy_postgres_15_and_redis() -> None:
    services = load(COMPOSE)["services"]
    frontend, postgres, redis = (
        services["telegram-frontend"],
        services["postgres"],
        services["redis"],
    )
    assert postgres["image"].startswith("postgres:15")
    assert redis["image"].startswith("redis:")
    assert "healthcheck" in postgres and "healthcheck" in redis
    assert {name: dep["condition"] for name, dep in frontend["depends_on"].items()} == {
        "postgres": "service_healthy",
        "redis": "service_healthy",
    }
    assert frontend["env_file"] == [{"path": ".env", "required": False}]
    assert frontend["environment"]["DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert "@postgres:5432/" in frontend["environment"]["DATABASE_URL"]
    assert frontend["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    assert frontend["build"]["context"] == "."
    for service in (frontend, postgres, redis):
        assert service["volumes"], "state must live on a volume"
        assert service["restart"] == "unless-stopped"


def test_sandbox_profile_runs_tgfront_sandbox_alone() -> None:
    services = load(COMPOSE)["services"]
    sandbox = services["sandbox"]
    assert sandbox["profiles"] == ["sandbox"]
    assert sandbox["command"][0] == "sandbox"
    assert "env_file" not in sandbox  # a real token or webhook mode must not leak into it
    assert "depends_on" not in sandbox
    assert all("profiles" not in s for name, s in services.items() if name != "sandbox")


def test_testnet_override_joins_the_trading_network_by_container_names() -> None:
    override = load(TESTNET)
    # Docker prefixes the real compose's `testnet-network` with its project name
    assert override["networks"]["testnet"] == {
        "name": "${TRADING_NETWORK:-binance-ai-traders_testnet-network}",
        "external": True,
    }
    frontend = override["services"]["telegram-frontend"]
    assert frontend["networks"]["testnet"]["aliases"] == ["telegram-frontend"]
    assert "default" in frontend["networks"]
    for name, url in TRADING_SERVICES.items():
        assert frontend["environment"][name] == f"${{{name}:-{url}}}"


def _compose_available() -> bool:
    if shutil.which("docker") is None:
        pytest.skip("the docker CLI is not installed")
    probe = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, text=True, timeout=30
    )
    if probe.returncode != 0:
        message = "docker is installed but its compose plugin is missing"
        if IN_CI:
            pytest.fail(f"{message}; under CI=true that is a failure, not a skip")
        pytest.skip(message)
    return True


@pytest.mark.parametrize(
    "arguments",
    [
        ["-f", "docker-compose.yml"],
        ["-f", "docker-compose.yml", "-f", "docker-compose.testnet.yml"],
        ["-f", "docker-compose.yml", "--profile", "sandbox"],
    ],
    ids=["main", "testnet", "sandbox"],
)
def test_docker_compose_accepts_the_files(arguments: list[str]) -> None:
    _compose_available()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
    env["POSTGRES_PASSWORD"] = "compose-needs-one"  # no default: compose refuses without it
    result = subprocess.run(
        ["docker", "compose", *arguments, "config", "-q"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_compose_points_the_frontend_at_the_bundled_database_whatever_env_example_says() -> None:
    _compose_available()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMPOSE_", "POSTGRES_"))}
    env["POSTGRES_PASSWORD"] = "s3cret"
    result = subprocess.run(
        ["docker", "compose", "--env-file", ".env.example", "config", "--format", "json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    services = json.loads(result.stdout)["services"]
    frontend = services["telegram-frontend"]
    assert frontend["environment"]["DATABASE_URL"] == (
        "postgresql+asyncpg://tgfront:s3cret@postgres:5432/telegram_frontend"
    )
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == "s3cret"
    (port,) = frontend["ports"]
    assert (port["host_ip"], port["published"], port["target"]) == ("127.0.0.1", "8000", 8000)


def test_compose_has_no_default_database_password_and_the_image_listens_on_all_interfaces() -> None:
    services = load(COMPOSE)["services"]
    password = services["postgres"]["environment"]["POSTGRES_PASSWORD"]
    assert password.startswith("${POSTGRES_PASSWORD:?"), "compose must refuse to start without it"
    assert "${POSTGRES_PASSWORD:?" in services["telegram-frontend"]["environment"]["DATABASE_URL"]
    assert "POSTGRES_PASSWORD:-" not in COMPOSE.read_text()
    assert services["telegram-frontend"]["environment"]["HTTP_HOST"] == "0.0.0.0"
    assert "HTTP_HOST=0.0.0.0" in (ROOT / "Dockerfile").read_text()

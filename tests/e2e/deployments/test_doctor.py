"""`tgfront doctor` with two deployments: one section per deployment, each checked on its own
services (mainnet's outage shows in mainnet's section only), `--json` keyed by deployment."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from tests.e2e.harness import World


async def doctor(world: World, deployments_file: Path, *args: str) -> tuple[int, str, str]:
    """The real command in a clean environment (with the sandbox's testnet host, as the sandbox
    runs it); the fakes keep serving on this event loop."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    keep["BINANCE_TESTNET_HOSTS"] = ",".join(world.app.settings.binance_testnet_hosts)
    keep |= {"HTTP_RETRIES": "0", "HTTP_CONNECT_TIMEOUT": "1", "HTTP_READ_TIMEOUT": "2"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "telegram_frontend.main",
        "doctor",
        *args,
        cwd=deployments_file.parent,
        env={**keep, "DEPLOYMENTS_FILE": str(deployments_file)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_doctor_checks_each_deployment_in_its_own_section(
    two_worlds: World, tmp_path: Path
) -> None:
    deployments_file = tmp_path / "deployments.toml"
    code, out, err = await doctor(two_worlds, deployments_file)
    assert code == 0, out + err
    testnet_part, _, mainnet_part = out.partition("== 💰 Mainnet [mainnet] — mainnet ==")
    assert testnet_part.startswith("== 🧪 Testnet [testnet] — testnet, the default ==\n")
    for part in (testnet_part, mainnet_part):
        assert "✓ MACD trader: ok" in part
        assert "✓ trading database: ok" in part
        assert "✓ Binance: ok" in part
    assert "✓ Binance: ok — testnet;" in testnet_part
    assert "✓ Binance: ok — mainnet;" in mainnet_part
    assert out.count("Telegram: not configured") == 1
    assert out.rstrip().endswith("all configured parts of every deployment answer")

    assert two_worlds.sandbox.mainnet is not None
    await two_worlds.sandbox.mainnet.backends.go_down("macd_trader")
    code, out, err = await doctor(two_worlds, deployments_file, "--json")
    assert code == 1, out + err
    report = json.loads(out)
    assert report["ok"] is False
    assert list(report["deployments"]) == ["testnet", "mainnet"]
    testnet, mainnet = report["deployments"]["testnet"], report["deployments"]["mainnet"]
    assert (testnet["ok"], testnet["default"], testnet["title"]) == (True, True, "🧪 Testnet")
    assert (mainnet["ok"], mainnet["environment"]) == (False, "mainnet")
    [macd] = [c for c in mainnet["checks"] if c["name"] == "MACD trader"]
    assert macd["state"] == "failed"
    assert macd["setting"] == "macd_trader_url of [deployments.mainnet]"
    assert report["telegram"]["state"] == "not configured"

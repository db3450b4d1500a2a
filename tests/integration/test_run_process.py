"""`tgfront run` as a real process: keeps running without Telegram, logs JSON without secrets,
answers /health/live, and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from telegram_frontend.sandbox.frontend_process import free_port

TOKEN = "123456789:AAHsecretTOKENvalue_abcdefghijklmnopqrs"
BINANCE_KEY = "binanceKEYvalue0123456789abcdefXYZ"


def _wait_live(port: int, deadline: float) -> httpx.Response:
    while True:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=1)
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_runs_without_telegram_and_never_logs_secrets(tmp_path: Path) -> None:
    port, closed = free_port(), free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE": f"http://127.0.0.1:{closed}",
        "BINANCE_API_KEY": BINANCE_KEY,
        "BINANCE_API_SECRET": "binanceSECRETvalue0123456789",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": str(port),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'f.db'}",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "telegram_frontend.main", "run"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        response = _wait_live(port, time.monotonic() + 30)
        assert response.status_code == 200
        time.sleep(1.5)  # let at least one Telegram connection attempt fail and be logged
        assert proc.poll() is None, "the process died without Telegram"
        ready = httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=5)
        assert ready.status_code == 200
        assert ready.json()["components"]["telegram"]["status"] == "down"
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=15)
        assert proc.returncode == 0
        assert time.monotonic() - started < 10
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    output = out + err
    assert TOKEN not in output
    assert TOKEN.split(":")[1] not in output
    assert BINANCE_KEY not in output
    events = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    failures = [e for e in events if e.get("event") == "telegram_unreachable"]
    assert failures, output[-2000:]
    assert all(e["level"] == "error" for e in failures)
    assert any(e.get("event") == "frontend_stopped" for e in events)


def test_a_stopped_process_leaves_even_when_a_thread_lingers() -> None:
    """A non-daemon thread left running (an SQLite connection a cancelled query never returned)
    once kept `tgfront run` alive 15 s after SIGTERM; a stopped frontend now leaves in seconds."""
    script = (
        "import threading, time\n"
        "from telegram_frontend.cli.run import exit_if_stuck\n"
        "threading.Thread(target=time.sleep, args=(60,), name='stuck-sqlite').start()\n"
        "exit_if_stuck(0.5)\n"
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0
    assert time.monotonic() - started < 20  # not the thread's 60 s
    assert "exit_forced" in done.stdout + done.stderr
    assert "stuck-sqlite" in done.stdout + done.stderr

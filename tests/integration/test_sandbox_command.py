"""`tgfront sandbox` as a user runs it: the control API sends /help and reads the bot's answer."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from telegram_frontend.sandbox.cli import render
from telegram_frontend.sandbox.frontend_process import free_port
from telegram_frontend.sandbox.telegram.emulator_client import ChatMessage


def test_sandbox_serves_the_bot_over_the_control_api(tmp_path: Path) -> None:
    emulator_port, http_port = free_port(), free_port()
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "telegram_frontend.main",
            "sandbox",
            "--data-dir",
            str(tmp_path / "sandbox"),
            "--emulator-port",
            str(emulator_port),
            "--http-port",
            str(http_port),
        ],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{emulator_port}"
    try:
        deadline = time.monotonic() + 40
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{http_port}/health/ready", timeout=1).is_success:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            assert time.monotonic() < deadline, "the sandbox did not become ready"
            time.sleep(0.2)
        sent = httpx.post(f"{base}/sandbox/users/1/messages", json={"text": "/help"}, timeout=5)
        assert sent.status_code == 200
        after = sent.json()["message_id"]
        answer = ""
        while time.monotonic() < deadline and not answer:
            messages = httpx.get(f"{base}/sandbox/chats/1/messages", timeout=5).json()["messages"]
            answer = "".join(
                m["text"] for m in messages if m["from_bot"] and m["message_id"] > after
            )
            time.sleep(0.1)
        assert answer.startswith("Commands you can use")
        assert "Your role: admin" in answer
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            output, _ = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
    assert proc.returncode == 0, output[-3000:]
    assert "Sandbox running" in output
    assert f"curl -s -X POST {base}/sandbox/users/1/messages" in output


def test_terminal_chat_numbers_buttons_and_drops_tags() -> None:
    message = ChatMessage.model_validate(
        {
            "message_id": 5,
            "chat_id": 1,
            "from_bot": True,
            "sender_id": 7,
            "date": 0,
            "text": "Strategy grid:1",
            "reply_markup": {
                "inline_keyboard": [
                    [
                        {"text": "Start", "callback_data": "s"},
                        {"text": "Stop", "callback_data": "t"},
                    ],
                    [{"text": "Refresh", "callback_data": "r"}],
                ]
            },
        }
    )
    assert render(message) == "bot: Strategy grid:1\n    [1] Start   [2] Stop\n    [3] Refresh"

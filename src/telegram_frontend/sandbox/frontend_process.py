"""The real frontend as a separate `tgfront run` process, pointed at a sandbox emulator.

Benchmarks and fault drills need what an in-process world cannot give: the frontend's own CPU
time and resident memory, a start-up measured from `exec`, and a SIGKILL that takes the whole
process down mid-delivery. Settings go in as environment variables, exactly as in production;
the output goes to a log file so a chatty process never blocks on a full pipe.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

READY_PATH = "/health/ready"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_kib(pid: int) -> int:
    """Resident memory of `pid` in KiB, from /proc/<pid>/status (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time `pid` has used so far, from /proc/<pid>/stat."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    fields = raw[raw.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


class FrontendProcess:
    """`tgfront run` with `env` on top of a minimal environment; `start()` returns when ready.

    `log_path` collects stdout and stderr (appended, so a restart keeps the earlier run's lines).
    `python_options` go before `-m telegram_frontend.main` (e.g. `-m cProfile -o out.prof`).
    """

    def __init__(
        self,
        env: Mapping[str, str],
        log_path: Path,
        *,
        cwd: Path | None = None,
        python_options: Sequence[str] = (),
    ) -> None:
        self.port = int(env.get("HTTP_PORT") or 0) or free_port()
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", str(log_path.parent)),
            "HTTP_HOST": "127.0.0.1",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "WARNING",
            **env,
            "HTTP_PORT": str(self.port),
        }
        self.log_path = log_path
        self.python_options = list(python_options)
        self.cwd = cwd or log_path.parent
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.ready_after_s: float | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        if self.proc is None:
            raise RuntimeError("the frontend process is not running")
        return self.proc.pid

    def spawn(self) -> None:
        """Start the process without waiting for it (see `wait_ready`)."""
        with self.log_path.open("ab") as log:
            self.started_at = time.monotonic()
            self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [sys.executable, *self.python_options, "-m", "telegram_frontend.main", "run"],
                env=self.env,
                cwd=self.cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    async def wait_ready(self, timeout_s: float = 30.0) -> float:
        """Poll /health/ready until 200; returns seconds from spawn to ready."""
        deadline = self.started_at + timeout_s
        async with httpx.AsyncClient(base_url=self.base_url, timeout=2.0) as http:
            while True:
                if self.proc is not None and self.proc.poll() is not None:
                    raise RuntimeError(
                        f"the frontend exited with {self.proc.returncode}: {self.log_tail()}"
                    )
                try:
                    response = await http.get(READY_PATH)
                    if response.status_code == 200:
                        self.ready_after_s = time.monotonic() - self.started_at
                        return self.ready_after_s
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"not ready within {timeout_s}s: {self.log_tail()}")
                await asyncio.sleep(0.02)

    async def start(self, timeout_s: float = 30.0) -> float:
        self.spawn()
        return await self.wait_ready(timeout_s)

    def rss_kib(self) -> int:
        return rss_kib(self.pid)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when the machine loses power."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    async def stop(self, timeout_s: float = 15.0) -> int | None:
        """SIGTERM and wait for a clean exit (SIGKILL after `timeout_s`); the exit code."""
        proc = self.proc
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(proc.wait, timeout_s)
            except subprocess.TimeoutExpired:
                self.kill()
        return proc.returncode

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

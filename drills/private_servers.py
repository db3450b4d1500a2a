"""Throwaway PostgreSQL and Redis servers that a drill may stop and start at will.

The machine's shared servers (PostgreSQL on 5432, Redis on 6379) serve every other test, so
the drills never touch them: each drill starts its own on a free port in a temporary directory.
PostgreSQL refuses to run as root, so `initdb` and `pg_ctl` run as the `postgres` user then.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from telegram_frontend.sandbox.frontend_process import free_port

PG_USER = "postgres"


class ServerUnavailable(RuntimeError):
    """This machine cannot run a private server (binary missing, no postgres user, ...)."""


def _as_postgres(args: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return args
    if shutil.which("runuser") is None:
        raise ServerUnavailable("running as root without `runuser` to switch to postgres")
    return ["runuser", "-u", PG_USER, "--", *args]


async def _run(args: list[str], timeout_s: float = 60.0) -> str:
    proc = await asyncio.create_subprocess_exec(
        *args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout_s)
    text = out.decode(errors="replace")
    if proc.returncode != 0:
        raise ServerUnavailable(f"{' '.join(args[:4])}... failed ({proc.returncode}): {text}")
    return text


class PrivatePostgres:
    """`await start()` → `url` of database `drill`; `stop()`/`start()` again; `destroy()`."""

    def __init__(self) -> None:
        if shutil.which("initdb") is None or shutil.which("pg_ctl") is None:
            raise ServerUnavailable("initdb/pg_ctl are not on PATH")
        self.dir = Path(tempfile.mkdtemp(prefix="tf-drill-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self._initialized = False

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://{PG_USER}@127.0.0.1:{self.port}/drill"

    def _pg_ctl(self, *args: str) -> list[str]:
        return _as_postgres(["pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), *args])

    async def start(self) -> None:
        if not self._initialized:
            if os.geteuid() == 0:
                shutil.chown(self.dir, PG_USER)
            await _run(
                _as_postgres(
                    ["initdb", "-D", str(self.data), "-A", "trust", "-U", PG_USER, "--no-sync"]
                )
            )
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        await _run(self._pg_ctl("-o", options, "-w", "start"))
        if not self._initialized:
            await _run(_as_postgres(["createdb", "-h", "127.0.0.1", "-p", str(self.port), "drill"]))
            self._initialized = True

    async def stop(self) -> None:
        """A fast shutdown: open connections are cut, as in a real restart."""
        await _run(self._pg_ctl("-m", "fast", "-w", "stop"))

    async def destroy(self) -> None:
        with contextlib.suppress(ServerUnavailable):  # already stopped
            await _run(self._pg_ctl("-m", "immediate", "-w", "stop"))
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateRedis:
    """A `redis-server` on a free port without persistence; `stop()`/`start()` at will."""

    def __init__(self) -> None:
        if shutil.which("redis-server") is None:
            raise ServerUnavailable("redis-server is not on PATH")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="tf-drill-redis-"))
        self._proc: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        self._proc = await asyncio.create_subprocess_exec(
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.dir),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(200):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                await asyncio.sleep(0.02)
                continue
            writer.close()
            return
        raise ServerUnavailable("redis-server did not start listening")

    async def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.returncode is None:
            proc.terminate()
            await proc.wait()

    async def destroy(self) -> None:
        await self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

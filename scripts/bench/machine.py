"""Describe the machine and the versions a run measured, for the results file."""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
from importlib import metadata
from pathlib import Path

from scripts.bench import interpreters
from scripts.bench.launch import NEWER_PYTHON_ENV
from scripts.bench.load import find_tool
from scripts.servers import ROOT, node_binary

PYTHON_PACKAGES: tuple[str, ...] = ("fastapi", "starlette", "pydantic", "uvicorn", "uvloop")
PYTHON_PACKAGES += ("httptools", "h11", "granian", "numpy")
NODE_PACKAGES = ("express", "fastify", "better-sqlite3")


def machine() -> dict[str, object]:
    cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    meminfo = Path("/proc/meminfo").read_text(encoding="utf-8")
    mem_kib = re.search(r"^MemTotal:\s*(\d+)", meminfo, re.MULTILINE)
    return {
        "cpu_model": model[1].strip() if model else platform.processor() or "unknown",
        "cores": os.cpu_count() or 0,
        "usable_cores": len(os.sched_getaffinity(0)),
        "kernel": platform.release(),
        "os": os_name(),
        "memory_mib": int(mem_kib[1]) // 1024 if mem_kib else 0,
    }


def os_name() -> str:
    release = Path("/etc/os-release")
    if release.is_file():
        found = re.search(r'^PRETTY_NAME="?([^"\n]+)', release.read_text(), re.MULTILINE)
        if found:
            return found[1]
    return platform.system()


def tool_output(*command: str) -> str:
    tool = command[0] if Path(command[0]).is_file() else find_tool(command[0])
    if tool is None:
        return ""
    result = subprocess.run(
        [tool, *command[1:]], capture_output=True, text=True, check=False, timeout=30
    )
    return (result.stdout + result.stderr).strip()


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    if (path := os.environ.get(NEWER_PYTHON_ENV)) and (newer := interpreters.probe(path)):
        found["python_newer"] = newer.version
    for package in PYTHON_PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    found["node"] = tool_output(node_binary(), "--version").removeprefix("v")
    for package in NODE_PACKAGES:
        manifest = ROOT / "node_modules" / package / "package.json"
        found[package] = json.loads(manifest.read_text())["version"] if manifest.is_file() else "?"
    nginx = re.search(r"nginx/(\S+)", tool_output("nginx", "-v"))
    found["nginx"] = nginx[1] if nginx else "not installed"
    wrk = re.search(r"wrk (\S+)", tool_output("wrk", "-v"))
    found["wrk"] = wrk[1] if wrk else "not installed"
    return found

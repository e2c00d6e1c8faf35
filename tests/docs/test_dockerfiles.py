"""The images' promises, read from their Dockerfiles: what hadolint does not check.

Each Dockerfile builds in one stage and runs from a second, from a base image pinned by
digest, as a user that is not root, with a health check; the Python image installs
exactly the versions pyproject.toml pins, each by hash.
"""

import re

import pytest

from scripts.containers import RUNTIMES, pinned_requirements
from scripts.servers import ROOT

ENTRY = {"python": "main.py", "node": "app.ts"}


def instructions(runtime: str) -> list[tuple[str, str]]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped.

    As Docker joins them: the backslash and the line break go, nothing else.
    """
    text = (ROOT / RUNTIMES[runtime] / "Dockerfile").read_text(encoding="utf-8")
    text = text.replace("\\\n", "")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(maxsplit=1)[0].upper(), line.split(maxsplit=1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_every_base_image_is_pinned_by_digest(runtime: str) -> None:
    bases = [value for name, value in instructions(runtime) if name == "FROM"]
    assert len(bases) >= 2, "a build stage and a runtime stage"
    for base in bases:
        assert re.match(r"\S+:\S+@sha256:[0-9a-f]{64} +AS \w+$", base), base


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_the_final_stage_runs_as_a_user_with_a_health_check(runtime: str) -> None:
    final = instructions(runtime)
    final = final[max(i for i, (name, _) in enumerate(final) if name == "FROM") :]
    users = [value for name, value in final if name == "USER"]
    assert users, "no USER: the container would run as root"
    assert users[-1].isdigit(), "a numeric uid, which the runtime can check is not 0"
    assert users[-1] != "0"
    assert any(name == "HEALTHCHECK" for name, _ in final)
    cmd = [value for name, value in final if name == "CMD"][-1]
    assert f"{RUNTIMES[runtime]}/{ENTRY[runtime]}" in cmd


def test_the_python_image_installs_the_pinned_versions_by_hash() -> None:
    lock = (ROOT / RUNTIMES["python"] / "requirements.txt").read_text(encoding="utf-8")
    for pin in pinned_requirements():
        name, version = re.sub(r"\[.*\]", "", pin).split("==")
        assert re.search(rf"^{re.escape(name)}=={re.escape(version)} \\$", lock, re.M), pin
    runs = [value for name, value in instructions("python") if name == "RUN"]
    assert any("--require-hashes" in run for run in runs)


def test_the_node_image_leaves_the_dev_dependencies_out() -> None:
    runs = [value for name, value in instructions("node") if name == "RUN"]
    assert any(run.startswith("npm ci --omit=dev") for run in runs)

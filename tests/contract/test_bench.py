"""The bench servers send identical bytes: what is measured is the same work everywhere.

The `client` fixture runs the pair every contract runs (FastAPI, Express); the variant
tests start every other server the harness measures, the way it starts them, and hold
them to the same status, Content-Type and body for every shared route.
"""

import sys
from pathlib import Path

import httpx
import pytest

from scripts.bench import config
from scripts.bench.launch import NEWER_PYTHON_ENV, started

JSON = "application/json"
FILE_LINE = b"0123456789abcdef" * 3 + b"0123456789abcde\n"
ROUTES = {
    "/healthz": (200, JSON, b'{"status":"ok"}'),
    "/json": (200, JSON, b'{"message":"Hello, World!"}'),
    "/db": (200, JSON, b'{"id":1,"name":"Ada Lovelace","email":"ada@example.com"}'),
    "/io": (200, JSON, b'{"waited_ms":20}'),
    "/cpu": (200, JSON, b'{"n":40,"trace":48100,"sum":1919722}'),
    "/file": (200, "text/plain; charset=utf-8", FILE_LINE * 256),
    "/nope": (
        404,
        "application/problem+json",
        b'{"type":"about:blank","title":"Not Found","status":404}',
    ),
}
NGINX_ROUTES = ("/healthz", "/json", "/nope")  # the ceiling serves the JSON workload only
PYTHON_ONLY = {
    "/io/sync": ROUTES["/io"],  # FastAPI's thread-pool variant of the wait
    "/cpu/numpy": ROUTES["/cpu"],  # NumPy's product of the same matrices
}


@pytest.fixture(scope="module")
def server_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    # Each server creates its SQLite file and data file here rather than in the shared /tmp.
    return {"BENCH_DATA_DIR": str(tmp_path_factory.mktemp("bench-data"))}


def answer(response: httpx.Response) -> tuple[int, str, bytes]:
    return response.status_code, response.headers["content-type"], response.content


@pytest.mark.parametrize("path", list(ROUTES))
def test_every_route_sends_the_same_bytes(client: httpx.Client, path: str) -> None:
    assert answer(client.get(path)) == ROUTES[path]


@pytest.mark.parametrize("path", list(PYTHON_ONLY))
def test_python_only_routes_match_their_shared_twin(
    client: httpx.Client, runtime: str, path: str
) -> None:
    expected = PYTHON_ONLY[path] if runtime == "python" else ROUTES["/nope"]
    assert answer(client.get(path)) == expected


VARIANTS = [server for server in config.SERVERS if server.id not in {"fastapi-uvicorn", "express"}]


@pytest.mark.parametrize("server", VARIANTS, ids=[server.id for server in VARIANTS])
def test_every_measured_server_sends_the_same_bytes(
    server: config.Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = NGINX_ROUTES if server.id == "nginx" else tuple(ROUTES)
    # The newer-CPython server runs on whatever interpreter the variable names: this one
    # here (nox -s bench builds the real one), so the launch path is what is tested.
    monkeypatch.setenv(NEWER_PYTHON_ENV, sys.executable)
    with (
        started(server, cpus=None, data_dir=tmp_path, settle=0) as live,
        httpx.Client(base_url=f"http://127.0.0.1:{live.port}", timeout=10) as http,
    ):
        # Ask each route twice: a cluster hands connections to its workers in turn.
        for path in paths * 2:
            assert answer(http.get(path)) == ROUTES[path], f"{server.id} {path}"

"""The Python image's parts, in-process: its health check and its entry point."""

import importlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from examples.python.containers import healthcheck
from examples.python.users import main as users
from scripts.local_server import running
from scripts.servers import free_port


class Answer(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(params=[200, 503])
def answering(request: pytest.FixtureRequest) -> Iterator[tuple[str, int]]:
    handler = type("Handler", (Answer,), {"status": request.param})
    with running(ThreadingHTTPServer(("127.0.0.1", 0), handler)) as server:
        yield f"http://127.0.0.1:{server.server_address[1]}/healthz", request.param


# --8<-- [start:tests]
def test_the_health_check_passes_only_on_a_200(
    answering: tuple[str, int],
) -> None:
    url, status = answering
    assert healthcheck.main(url) == (0 if status == 200 else 1)


def test_the_health_check_fails_when_nothing_listens() -> None:
    assert healthcheck.main(f"http://127.0.0.1:{free_port()}/healthz") == 1


# --8<-- [end:tests]


def test_the_image_runs_the_users_app() -> None:
    entry = importlib.import_module("examples.python.containers.main")
    assert entry.app is users.app

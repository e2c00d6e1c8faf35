"""In-process tests of the Python telemetry example: real OTLP export, real downstream."""

import json
import runpy
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from examples.python.telemetry.main import TelemetrySettings, create_app
from scripts.local_server import running
from scripts.servers import free_port
from tests.contract.otlp_receiver import OtlpReceiver, otlp_receiver
from tests.python.asgi import in_process

pytestmark = pytest.mark.anyio


class Downstream(ThreadingHTTPServer):
    """Answers every GET with JSON, and keeps the traceparent headers it got."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Answer)
        self.traceparents: list[str | None] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Answer(BaseHTTPRequestHandler):
    server: Downstream

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.traceparents.append(self.headers.get("traceparent"))
        body = json.dumps({"service": "downstream"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def receiver() -> Iterator[OtlpReceiver]:
    with otlp_receiver() as server:
        yield server


@pytest.fixture
def downstream() -> Iterator[Downstream]:
    with running(Downstream()) as server:
        yield server


@pytest.fixture
def app(receiver: OtlpReceiver, downstream: Downstream, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint)
    monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "100")
    settings = TelemetrySettings(downstream_url=downstream.url)
    return create_app(settings)


async def test_the_call_downstream_carries_the_trace(
    client: httpx.AsyncClient, receiver: OtlpReceiver, downstream: Downstream
) -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    traceparent = f"00-{trace_id}-00f067aa0ba902b7-01"
    response = await client.get("/items/3", headers={"traceparent": traceparent})
    assert response.json() == {
        "item": 3,
        "service": "telemetry-python",
        "downstream": {"service": "downstream"},
    }
    [sent] = downstream.traceparents
    assert sent is not None
    _, sent_trace, sent_parent, _ = sent.split("-")
    assert sent_trace == trace_id
    spans = receiver.wait_for_trace(trace_id, count=2)
    [call] = [span for span in spans if span.kind == "CLIENT"]
    assert call.span_id == sent_parent  # the header names the client span


async def test_a_failing_downstream_is_a_502() -> None:
    settings = TelemetrySettings(downstream_url=f"http://127.0.0.1:{free_port()}")
    async with in_process(create_app(settings)) as client:
        response = await client.get("/items/1")
    assert response.status_code == 502
    assert response.json()["detail"] == "the downstream call failed"


async def test_no_downstream_no_call() -> None:
    async with in_process(create_app(TelemetrySettings())) as client:
        response = await client.get("/items/1")
    assert response.json() == {"item": 1, "service": "telemetry-python"}


async def test_metrics_count_by_route(client: httpx.AsyncClient) -> None:
    for path in ("/items/1", "/items/2", "/nope", "/healthz"):
        await client.get(path)
    text = (await client.get("/metrics")).text
    [requests] = [
        family
        for family in text_string_to_metric_families(text)
        if family.name == "http_server_requests"
    ]
    counts = {
        (sample.labels["route"], sample.labels["status"]): sample.value
        for sample in requests.samples
    }
    assert counts == {
        ("/items/{item_id}", "200"): 2,
        ("unmatched", "404"): 1,
        ("/healthz", "200"): 1,
    }


async def test_an_id_that_is_not_digits_names_no_item(client: httpx.AsyncClient) -> None:
    assert (await client.get("/items/abc")).status_code == 404


async def test_healthz(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}


def test_bad_settings_stop_the_program(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOWNSTREAM_URL", "ftp://nowhere")
    monkeypatch.delitem(sys.modules, "examples.python.telemetry.main", raising=False)
    with pytest.raises(SystemExit) as exit_:
        runpy.run_module("examples.python.telemetry.main", run_name="__main__")
    assert "DOWNSTREAM_URL:" in str(exit_.value.code)

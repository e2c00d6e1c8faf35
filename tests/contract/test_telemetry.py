"""Tracing and metrics contract: one trace across the two runtimes, one set of metrics.

The runtime under test calls the other runtime's server downstream, and both export
their spans over real OTLP/HTTP to `OtlpReceiver`, which decodes them as a collector
would. So every module run proves propagation one way: Python to Node.js, then
Node.js to Python.
"""

import secrets
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

from scripts.polling import eventually
from scripts.servers import RUNTIMES, RunningServer, running_server
from tests.contract.answers import media_type
from tests.contract.otlp_receiver import OtlpReceiver, ReceivedSpan, otlp_receiver

ITEM_SPAN = "GET /items/{item_id}"  # a server span's name, in both runtimes
# Python's instrumentation keeps the older HTTP conventions unless
# OTEL_SEMCONV_STABILITY_OPT_IN=http; Node's uses the stable ones.
METHOD_ATTRIBUTE = {"python": "http.method", "node": "http.request.method"}
BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]


@pytest.fixture(scope="module")
def receiver() -> Iterator[OtlpReceiver]:
    with otlp_receiver() as server:
        yield server


def telemetry_env(receiver: OtlpReceiver, service: str) -> dict[str, str]:
    return {
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
        "OTEL_BSP_SCHEDULE_DELAY": "100",  # ms: export soon after each span
        "OTEL_SERVICE_NAME": service,
    }


@pytest.fixture(scope="module")
def downstream(runtime: str, example: str, receiver: OtlpReceiver) -> Iterator[RunningServer]:
    """The other runtime's server, which the one under test calls."""
    other = next(name for name in RUNTIMES if name != runtime)
    env = telemetry_env(receiver, f"downstream-{other}")
    with running_server(other, example, env=env) as server:
        yield server


@pytest.fixture(scope="module")
def server_env(runtime: str, receiver: OtlpReceiver, downstream: RunningServer) -> dict[str, str]:
    env = telemetry_env(receiver, f"upstream-{runtime}")
    return {**env, "DOWNSTREAM_URL": downstream.base_url}


def families(client: httpx.Client) -> dict[str, Metric]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert media_type(response) == "text/plain"
    parsed = text_string_to_metric_families(response.text)
    return {family.name: family for family in parsed}


def count(client: httpx.Client, route: str, status: str, method: str = "GET") -> float:
    family = families(client).get("http_server_requests")
    samples = family.samples if family else []
    labels = {"method": method, "route": route, "status": status}
    return sum(s.value for s in samples if s.labels == labels)


# --8<-- [start:tests]
def test_one_trace_crosses_both_runtimes(
    client: httpx.Client,
    receiver: OtlpReceiver,
    runtime: str,
) -> None:
    trace_id, caller = secrets.token_hex(16), secrets.token_hex(8)
    traceparent = f"00-{trace_id}-{caller}-01"  # W3C Trace Context
    response = client.get("/items/42", headers={"traceparent": traceparent})
    other = next(name for name in RUNTIMES if name != runtime)
    assert response.json() == {
        "item": 42,
        "service": f"upstream-{runtime}",
        "downstream": {"item": 42, "service": f"downstream-{other}"},
    }
    spans = receiver.wait_for_trace(trace_id, count=3)
    by_role = {(s.service.split("-")[0], s.kind): s for s in spans}
    assert sorted(by_role) == [
        ("downstream", "SERVER"),
        ("upstream", "CLIENT"),
        ("upstream", "SERVER"),
    ]
    server = by_role["upstream", "SERVER"]
    call = by_role["upstream", "CLIENT"]
    remote = by_role["downstream", "SERVER"]
    # caller -> upstream server -> its call -> downstream server
    assert server.parent_id == caller
    assert call.parent_id == server.span_id
    assert remote.parent_id == call.span_id
    assert server.name == remote.name == ITEM_SPAN
    assert server.attributes["http.route"] == "/items/{item_id}"
    assert remote.attributes["http.route"] == "/items/{item_id}"
    # Each SDK's default attribute names for the method (see the page).
    assert server.attributes[METHOD_ATTRIBUTE[runtime]] == "GET"
    assert remote.attributes[METHOD_ATTRIBUTE[other]] == "GET"


def test_a_request_without_traceparent_starts_a_trace(
    client: httpx.Client,
    receiver: OtlpReceiver,
) -> None:
    path = f"/items/{secrets.randbelow(10**8) + 10**8}"  # this test's own
    assert client.get(path).status_code == 200

    def servers() -> list[ReceivedSpan]:
        # http.target (Python) or url.path (Node.js) names the path.
        return [
            span
            for span in receiver.received()
            if span.kind == "SERVER" and path in span.attributes.values()
        ]

    assert eventually(lambda: len(servers()) >= 2, timeout=10)
    [root] = [span for span in servers() if span.parent_id == ""]
    # The downstream server joined the trace that the upstream began.
    assert {span.trace_id for span in servers()} == {root.trace_id}


def test_requests_are_counted_by_route_template_and_status(
    client: httpx.Client,
) -> None:
    before = count(client, "/items/{item_id}", "200")
    for item in (1, 2, 3):  # three paths, one route
        assert client.get(f"/items/{item}").status_code == 200
    assert count(client, "/items/{item_id}", "200") == before + 3
    missing = count(client, "/items/{item_id}", "404")
    assert client.get("/items/abc").status_code == 404  # ids are digits
    assert count(client, "/items/{item_id}", "404") == missing + 1
    heads = count(client, "/items/{item_id}", "200", method="HEAD")
    assert client.head("/items/1").status_code == 200
    assert count(client, "/items/{item_id}", "200", method="HEAD") == heads + 1
    lost = count(client, "unmatched", "404")
    assert client.get("/no/such/page").status_code == 404
    assert count(client, "unmatched", "404") == lost + 1


def test_both_runtimes_write_the_same_metrics(
    client: httpx.Client,
    downstream: RunningServer,
) -> None:
    with httpx.Client(base_url=downstream.base_url) as other:
        for http in (client, other):
            http.get("/items/1")
        mine, theirs = families(client), families(other)
    assert (
        set(mine)
        == set(theirs)
        == {
            "http_server_requests",
            "http_server_request_duration_seconds",
        }
    )
    for name, family in mine.items():
        assert family.type == theirs[name].type
        assert family.documentation == theirs[name].documentation
    histogram = mine["http_server_request_duration_seconds"]
    bounds = {
        float(s.labels["le"])
        for s in histogram.samples
        if s.name.endswith("_bucket") and s.labels["le"] != "+Inf"
    }
    assert sorted(bounds) == BUCKETS


# --8<-- [end:tests]
@pytest.mark.parametrize("item", ["abc", "0x1", "1234567890", "%FF", "%31%32"])
def test_an_id_that_is_not_1_to_9_digits_names_no_item(client: httpx.Client, item: str) -> None:
    response = client.get(f"/items/{item}")
    if item == "%31%32":  # percent-encoded digits: /items/12
        assert response.json()["item"] == 12
        return
    assert response.status_code == 404
    assert media_type(response) == "application/problem+json"


def test_healthz(client: httpx.Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}

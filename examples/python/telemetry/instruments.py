"""Traces to an OpenTelemetry collector, metrics for Prometheus.

The Node twin (instruments.ts) exports the same spans and the same metric
names, so one dashboard and one trace view serve both.
"""

import os
import time

from fastapi import FastAPI
from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
    OTLPSpanExporter,
)
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send


# --8<-- [start:tracing]
def tracer_provider(service_name: str) -> TracerProvider:
    """Spans for this service, sent in batches over OTLP/HTTP.

    The exporter reads OTEL_EXPORTER_OTLP_ENDPOINT; without it, spans are
    still made and propagated (traceparent) but not sent anywhere.
    """
    resource = Resource.create({"service.name": service_name})
    provider = TracerProvider(resource=resource)
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


def trace_requests(app: FastAPI, provider: TracerProvider) -> None:
    # A server span per request, its parent taken from the traceparent
    # header; no spans for each ASGI send and receive.
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        exclude_spans=["receive", "send"],
    )


# --8<-- [end:tracing]
# --8<-- [start:metrics]
# The buckets, in seconds, are the Node twin's too: the same histogram.
# Without the *_created series, which prom-client does not write either.
disable_created_metrics()  # type: ignore[no-untyped-call]
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class RequestMetrics:
    """ASGI middleware: count and time every request but GET /metrics.

    Labels are the method, the route's template (not the path: one series per
    route, however many ids), and the status.
    """

    def __init__(self, app: ASGIApp, registry: CollectorRegistry) -> None:
        self.app = app
        labels = ("method", "route", "status")
        self.requests = Counter(
            "http_server_requests",  # exposed as ..._total
            "HTTP requests answered.",
            labels,
            registry=registry,
        )
        self.duration = Histogram(
            "http_server_request_duration_seconds",
            "Time to answer an HTTP request.",
            labels,
            registry=registry,
            buckets=BUCKETS,
        )

    async def __call__(
        self, scope: Scope, receive: Receive, send: Send
    ) -> None:
        if scope["type"] != "http" or scope["path"] == "/metrics":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # if the app fails before it answers

        async def noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting_status)
        finally:
            # The router has put the matched route in the scope by now.
            route = getattr(scope.get("route"), "path", "unmatched")
            labels = (scope["method"], route, str(status))
            self.requests.labels(*labels).inc()
            self.duration.labels(*labels).observe(time.perf_counter() - started)


# --8<-- [end:metrics]

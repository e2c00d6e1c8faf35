"""Tracing and metrics: one request followed across services, in both runtimes.

GET /items/{item_id} answers with this service's name and, if DOWNSTREAM_URL is
set, with the downstream service's answer for the same item: a call that
carries the trace on, whichever runtime answers it. GET /metrics is for
Prometheus.
"""

import re
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import uvicorn
from fastapi import Depends, FastAPI, Response
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    generate_latest,
)
from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from examples.python.problem_details import (
    Problem,
    install,
    no_repeated_parameters,
)
from examples.python.telemetry.instruments import (
    RequestMetrics,
    trace_requests,
    tracer_provider,
)
from examples.python.users.settings import describe


# --8<-- [start:settings]
class TelemetrySettings(BaseSettings):
    """OTEL_SERVICE_NAME, DOWNSTREAM_URL, HOST, PORT.

    The exporter reads OpenTelemetry's own variables itself:
    OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_BSP_SCHEDULE_DELAY and the rest.
    """

    model_config = SettingsConfigDict(frozen=True)

    otel_service_name: str = Field("telemetry-python", min_length=1)
    downstream_url: str | None = Field(None, pattern=r"^https?://")
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)


# --8<-- [end:settings]
# --8<-- [start:app]
ITEM_ID = re.compile(r"[0-9]{1,9}")


def create_app(settings: TelemetrySettings) -> FastAPI:
    provider = tracer_provider(settings.otel_service_name)
    client = httpx.AsyncClient(timeout=5)
    # Each call gets a client span, and a traceparent header naming it.
    HTTPXClientInstrumentor.instrument_client(client, tracer_provider=provider)
    registry = CollectorRegistry()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await client.aclose()
        provider.shutdown()  # sends the spans still waiting in the batch

    app = FastAPI(
        title="telemetry",
        lifespan=lifespan,
        openapi_url=None,  # the Node twin serves none
        redirect_slashes=False,
        dependencies=[Depends(no_repeated_parameters)],
    )
    install(app)

    @app.get("/items/{item_id}")
    async def item(item_id: str) -> dict[str, object]:
        if not ITEM_ID.fullmatch(item_id):
            raise Problem(404)  # names no item, as /items/%FF in Node.js
        answer: dict[str, object] = {
            "item": int(item_id),
            "service": settings.otel_service_name,
        }
        if settings.downstream_url:
            url = f"{settings.downstream_url}/items/{item_id}"
            try:
                response = await client.get(url)
                response.raise_for_status()
                answer["downstream"] = response.json()
            except (httpx.HTTPError, ValueError):
                raise Problem(
                    502, detail="the downstream call failed"
                ) from None
        return answer

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(
            generate_latest(registry), media_type=CONTENT_TYPE_LATEST
        )

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    trace_requests(app, provider)
    app.add_middleware(RequestMetrics, registry=registry)
    return app


# --8<-- [end:app]
# --8<-- [start:main]
if __name__ == "__main__":
    try:
        settings = TelemetrySettings()
    except ValidationError as error:
        sys.exit(describe(error))
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        access_log=False,
        server_header=False,
    )
# --8<-- [end:main]

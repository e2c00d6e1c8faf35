"""Concurrent I/O fan-out: three slow upstream calls at once.

All three run under one total deadline.
"""

import asyncio
import os
from typing import Annotated

import httpx
import uvicorn
from fastapi import Depends, FastAPI, Query

from examples.python.problem_details import (
    Problem,
    install,
    no_repeated_parameters,
)

app = FastAPI(
    title="fanout",
    redirect_slashes=False,
    # No /openapi.json, /docs or /redoc: the Node twin has none (users serves
    # OpenAPI in both).
    openapi_url=None,
    dependencies=[Depends(no_repeated_parameters)],
)
install(app)
SOURCES = ("prices", "stock", "reviews")


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


# --8<-- [start:fanout]
class UpstreamError(Exception):
    """An upstream answered with an error status or could not be reached."""


async def fetch(client: httpx.AsyncClient, source: str) -> object:
    try:
        response = await client.get(f"/{source}")
        response.raise_for_status()
        return response.json()
    except (httpx.HTTPError, ValueError) as error:  # ValueError: not JSON
        raise UpstreamError(source) from error


@app.get("/dashboard")
async def dashboard(
    # Digits only, 50 to 5000: the Node version's pattern. An int parameter
    # would also take "+50", " 50" and "50.0".
    timeout_ms: Annotated[
        str, Query(pattern=r"^(5000|[1-4][0-9]{3}|[1-9][0-9]{2}|[5-9][0-9])$")
    ] = "1000",
) -> dict[str, object]:
    upstream = os.environ.get("UPSTREAM_URL", "http://127.0.0.1:9")
    async with httpx.AsyncClient(base_url=upstream) as client:
        try:
            # One deadline for the whole fan-out. When it expires,
            # asyncio.timeout cancels the TaskGroup, which cancels every call
            # still waiting; httpx then closes their connections. If one call
            # fails, the TaskGroup cancels the others.
            async with (
                asyncio.timeout(int(timeout_ms) / 1000),
                asyncio.TaskGroup() as group,
            ):
                tasks = {
                    source: group.create_task(fetch(client, source))
                    for source in SOURCES
                }
        except TimeoutError:
            raise Problem(
                504, detail=f"upstreams took over {timeout_ms} ms"
            ) from None
        except ExceptionGroup as failed:
            # From the TaskGroup: fetch raises only UpstreamError.
            names = sorted(str(error) for error in failed.exceptions)
            raise Problem(
                502, detail=f"upstream failed: {', '.join(names)}"
            ) from None
    return {source: task.result() for source, task in tasks.items()}


# --8<-- [end:fanout]
if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8080"))
    uvicorn.run(app, host=os.environ.get("HOST", "127.0.0.1"), port=port)

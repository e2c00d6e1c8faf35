"""The benchmark server in FastAPI: one route per workload, no request logs.

Run it directly (uvicorn with its `standard` extras) or under another ASGI
server; the harness in scripts/bench/ starts it with the server and options
each run names.
"""

# --8<-- [start:app]
import asyncio
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from examples.python.bench.workloads import (
    DATA_DIR,
    IO_DELAY_S,
    IO_WAITED_MS,
    JSON_PAYLOAD,
    multiply_numpy,
    multiply_pure,
    prepare_fixtures,
    read_user,
)

db = prepare_fixtures()
data_file = anyio.Path(DATA_DIR / "data.txt")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # `def` routes run on AnyIO's worker threads, 40 at most by default;
    # BENCH_THREADS raises that limit for the run that measures it.
    if threads := os.environ.get("BENCH_THREADS"):
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = int(threads)
    yield


app = FastAPI(
    title="bench", redirect_slashes=False, openapi_url=None, lifespan=lifespan
)


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/json")
async def json_payload() -> dict[str, str]:
    return JSON_PAYLOAD


@app.get("/db")
async def db_read() -> dict[str, object]:
    return read_user(db)


@app.get("/io")
async def io_wait() -> dict[str, int]:
    # The event loop serves other requests meanwhile.
    await asyncio.sleep(IO_DELAY_S)
    return {"waited_ms": IO_WAITED_MS}


@app.get("/io/sync")
def io_wait_blocking() -> dict[str, int]:
    # A plain `def` runs in Starlette's thread pool: each wait holds a thread.
    time.sleep(IO_DELAY_S)
    return {"waited_ms": IO_WAITED_MS}


@app.get("/cpu")
async def cpu_pure() -> dict[str, int]:
    return multiply_pure()


@app.get("/cpu/numpy")
async def cpu_numpy() -> dict[str, int]:
    return multiply_numpy()


@app.get("/file")
async def file_read() -> Response:
    return Response(await data_file.read_bytes(), media_type="text/plain")


@app.exception_handler(HTTPException)
async def http_problem(request: Request, exc: HTTPException) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": exc.detail,
        "status": exc.status_code,
    }
    problem = "application/problem+json"
    return JSONResponse(
        body, exc.status_code, headers=exc.headers, media_type=problem
    )


# --8<-- [end:app]
# --8<-- [start:main]
if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8080"))
    host = os.environ.get("HOST", "127.0.0.1")
    uvicorn.run(
        app, host=host, port=port, access_log=False, server_header=False
    )
# --8<-- [end:main]

"""The benchmark server in bare Starlette: main.py's routes without FastAPI.

FastAPI is built on Starlette; the gap between the two servers is what
FastAPI's parameter handling and response serialisation cost per request.
"""

# --8<-- [start:app]
import asyncio

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from examples.python.bench.workloads import (
    DATA_DIR,
    IO_DELAY_S,
    IO_WAITED_MS,
    JSON_PAYLOAD,
    multiply_pure,
    prepare_fixtures,
    read_user,
)

db = prepare_fixtures()
data_file = anyio.Path(DATA_DIR / "data.txt")


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def json_payload(request: Request) -> JSONResponse:
    return JSONResponse(JSON_PAYLOAD)


async def db_read(request: Request) -> JSONResponse:
    return JSONResponse(read_user(db))


async def io_wait(request: Request) -> JSONResponse:
    await asyncio.sleep(IO_DELAY_S)
    return JSONResponse({"waited_ms": IO_WAITED_MS})


async def cpu_pure(request: Request) -> JSONResponse:
    return JSONResponse(multiply_pure())


async def file_read(request: Request) -> Response:
    return Response(await data_file.read_bytes(), media_type="text/plain")


async def http_problem(request: Request, exc: Exception) -> JSONResponse:
    # Registered for HTTPException only.
    assert isinstance(exc, HTTPException)  # noqa: S101
    body = {
        "type": "about:blank",
        "title": exc.detail,
        "status": exc.status_code,
    }
    problem = "application/problem+json"
    return JSONResponse(
        body, exc.status_code, headers=exc.headers, media_type=problem
    )


routes = [
    Route("/healthz", healthz),
    Route("/json", json_payload),
    Route("/db", db_read),
    Route("/io", io_wait),
    Route("/cpu", cpu_pure),
    Route("/file", file_read),
]
app = Starlette(routes=routes, exception_handlers={HTTPException: http_problem})
app.router.redirect_slashes = False
# --8<-- [end:app]

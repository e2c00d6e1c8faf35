"""CPU-bound work in an async server.

Naive code blocks the event loop; a process pool does not.
"""

import asyncio
import multiprocessing
import os
import time
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager
from typing import Annotated

import uvicorn
from fastapi import Depends, FastAPI, Query, Request

from examples.python.problem_details import install, no_repeated_parameters


# --8<-- [start:burn]
def burn(ms: int) -> int:
    """Compute for `ms` milliseconds of wall time; return how many rounds ran.

    Pure-Python arithmetic holds the GIL the whole time. The duration is fixed
    rather than the amount of work, so the demonstration means the same on a
    fast or a slow machine.
    """
    deadline = time.perf_counter() + ms / 1000
    rounds = 0
    while time.perf_counter() < deadline:
        sum(i * i for i in range(1_000))
        rounds += 1
    return rounds


# --8<-- [end:burn]
# --8<-- [start:pool]
@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # "spawn" starts clean interpreters: forking a process that runs threads
    # can copy a lock in its held state into the child. Two workers: one per
    # core of a small machine.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        app.state.pool = pool
        yield


app = FastAPI(
    title="cpu",
    redirect_slashes=False,
    # No /openapi.json, /docs or /redoc: the Node twin has none (users serves
    # OpenAPI in both).
    openapi_url=None,
    lifespan=lifespan,
    dependencies=[Depends(no_repeated_parameters)],
)
install(app)


# Digits only, 1 to 5000: the Node version's pattern. An int parameter would
# also take "+5", " 5" and "5.0".
MS_PATTERN = r"^(5000|[1-4][0-9]{3}|[1-9][0-9]{0,2})$"


def milliseconds(ms: Annotated[str, Query(pattern=MS_PATTERN)]) -> int:
    return int(ms)


Milliseconds = Annotated[int, Depends(milliseconds)]


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/naive")
async def naive(ms: Milliseconds) -> dict[str, int]:
    # Runs on the event loop thread: nothing else, not even /healthz, runs
    # until it returns.
    return {"ms": ms, "rounds": burn(ms)}


@app.get("/offloaded")
async def offloaded(request: Request, ms: Milliseconds) -> dict[str, int]:
    # Runs in a worker process; the event loop only awaits the result.
    loop = asyncio.get_running_loop()
    rounds = await loop.run_in_executor(request.app.state.pool, burn, ms)
    return {"ms": ms, "rounds": rounds}


# --8<-- [end:pool]
if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8080"))
    uvicorn.run(app, host=os.environ.get("HOST", "127.0.0.1"), port=port)

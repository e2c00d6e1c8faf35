"""Graceful shutdown.

On SIGTERM: stop accepting, finish in-flight requests, close the database.
"""

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import aiosqlite
import uvicorn
from fastapi import FastAPI, Query, Request

from examples.python.problem_details import install

stats = {"in_flight": 0, "interrupted": 0}


# --8<-- [start:lifespan]
@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    db = await aiosqlite.connect(os.environ.get("DB_PATH", "shutdown.db"))
    await db.execute("PRAGMA journal_mode=WAL")
    await db.execute(
        "CREATE TABLE IF NOT EXISTS jobs (id INTEGER PRIMARY KEY, ms INTEGER)"
    )
    app.state.db = db
    yield
    # uvicorn runs this after the in-flight requests have finished (or the
    # grace ran out). Closing the last connection checkpoints the write-ahead
    # log and deletes its file.
    await db.close()


# --8<-- [end:lifespan]
# No /openapi.json, /docs or /redoc: the Node twin has none.
app = FastAPI(
    title="shutdown",
    redirect_slashes=False,
    lifespan=lifespan,
    openapi_url=None,
)
install(app)


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/stats")
def get_stats() -> dict[str, int]:
    return stats


# --8<-- [start:jobs]
@app.get("/jobs")
async def run_job(
    request: Request, ms: Annotated[int, Query(ge=1, le=10_000)]
) -> dict[str, int]:
    """Slow work that ends with a database write.

    That is what a shutdown must not cut short.
    """
    stats["in_flight"] += 1
    try:
        await asyncio.sleep(ms / 1000)
        db = request.app.state.db
        cursor = await db.execute("INSERT INTO jobs (ms) VALUES (?)", (ms,))
        await db.commit()
        return {"id": cursor.lastrowid, "ms": ms}
    except asyncio.CancelledError:
        # uvicorn cancels what is still running when the grace ends.
        stats["interrupted"] += 1
        raise
    finally:
        stats["in_flight"] -= 1


# --8<-- [end:jobs]
# --8<-- [start:main]
if __name__ == "__main__":
    # uvicorn handles SIGTERM itself: it stops accepting, waits for in-flight
    # requests (at most `timeout_graceful_shutdown` seconds), runs the
    # lifespan's shutdown half, and then raises the signal again under the
    # handler that was installed before it started. This handler makes that
    # last step a no-op, so the exit status says how the shutdown went instead
    # of "killed by SIGTERM".
    signal.signal(signal.SIGTERM, lambda signum, frame: None)
    grace = int(os.environ.get("SHUTDOWN_GRACE_MS", "10000")) / 1000
    port = int(os.environ.get("PORT", "8080"))
    host = os.environ.get("HOST", "127.0.0.1")
    uvicorn.run(
        app,
        host=host,
        port=port,
        # Annotated as int, but uvicorn passes it to asyncio.wait_for, which
        # takes any number of seconds.
        timeout_graceful_shutdown=grace,  # type: ignore[arg-type]
    )
    sys.exit(1 if stats["interrupted"] else 0)
# --8<-- [end:main]

"""Talk to an app in-process: httpx calls the ASGI app directly, no socket, no server."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from starlette.applications import Starlette


# --8<-- [start:in-process]
@asynccontextmanager
async def in_process(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A client for `app` (FastAPI or Starlette), inside the app's lifespan: httpx's ASGI
    transport does not run the lifespan, so start-up and shutdown code would not run."""
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://test") as client,
    ):
        yield client


# --8<-- [end:in-process]

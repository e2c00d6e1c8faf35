"""The users API as its image runs it (Dockerfile, beside this file).

It runs as the container's process 1. uvicorn handles SIGTERM itself, so
`docker stop` lets the requests in flight finish (10 s at most); the process
then exits 0, as patterns/shutdown explains. The image sets HOST=0.0.0.0: a
container's port must be reachable from outside it.
"""

# --8<-- [start:main]
import asyncio
import signal
import sys

import uvicorn

from examples.python.users.database import prepare
from examples.python.users.main import app, settings

if __name__ == "__main__":
    if failure := asyncio.run(prepare(settings.database_url)):
        sys.exit(failure)
    # uvicorn raises the SIGTERM again once it has shut down; with this
    # handler that is a no-op, and the process exits 0 instead of 143.
    signal.signal(signal.SIGTERM, lambda signum, frame: None)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=10,
    )
# --8<-- [end:main]

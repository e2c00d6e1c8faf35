"""An HTTP server on 127.0.0.1, run in a background thread for the length of a `with`."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

Server = TypeVar("Server", bound=socketserver.BaseServer)


@contextmanager
def running(server: Server) -> Iterator[Server]:
    """Serve in a daemon thread; on leaving, stop, close the socket and join the thread.

    `shutdown()` waits for the serving loop's next poll: every 50 ms, not the default
    half second, which each test using a server paid on leaving.
    """
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)

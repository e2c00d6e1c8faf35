"""WebSocket chat members for the streaming tests, in-process and contract alike."""

import socket

from websockets.sync.client import ClientConnection, connect


def chat_member(
    url: str,
    *,
    sock: socket.socket | None = None,
    max_queue: int = 16,
    max_size: int | None = 2**20,
    compression: str | None = "deflate",
) -> ClientConnection:
    """A client of the chat room, without websockets' keepalive thread.

    The keepalive thread joins the receiving thread while `close()` joins it too, and
    two threads joining one thread race in CPython before 3.13 ("RuntimeError: release
    unlocked lock", python/cpython#116372, fixed by #114839). No test here lasts the
    20 s between pings.
    """
    return connect(
        url,
        sock=sock,
        max_queue=max_queue,
        max_size=max_size,
        compression=compression,
        ping_interval=None,
    )


# --8<-- [start:stalled-member]
def stalled_member(url: str) -> ClientConnection:
    """A member that reads 4 messages and then nothing. Its small receive
    buffer and no compression let a few hundred 3 KB lines fill everything
    between it and the server, instead of megabytes of kernel buffers."""
    host, port = url.split("/")[2].split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    return chat_member(url, sock=sock, max_queue=4, compression=None)


# --8<-- [end:stalled-member]

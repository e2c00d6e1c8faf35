"""WebSocket chat members for the streaming tests, in-process and contract alike."""

import socket

from websockets.sync.client import ClientConnection, connect


# --8<-- [start:stalled-member]
def stalled_member(url: str) -> ClientConnection:
    """A member that reads 4 messages and then nothing. Its small receive
    buffer and no compression let a few hundred 3 KB lines fill everything
    between it and the server, instead of megabytes of kernel buffers."""
    host, port = url.split("/")[2].split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    return connect(url, sock=sock, max_queue=4, compression=None)


# --8<-- [end:stalled-member]

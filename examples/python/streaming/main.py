"""Streaming to clients.

Server-Sent Events with back-pressure, and a WebSocket chat room.
"""

import asyncio
import contextlib
import json
import logging
import os
import sys
from collections.abc import AsyncIterator
from typing import Annotated

import anyio
import uvicorn
from fastapi import Depends, FastAPI, Query, WebSocket, WebSocketDisconnect
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from examples.python.problem_details import install, no_repeated_parameters

# No /openapi.json, /docs or /redoc: the Node twin has none.
app = FastAPI(title="streaming", redirect_slashes=False, openapi_url=None)
install(app)  # problems; 405 with Allow; HEAD answered as GET
# ?count=1&count=2 is a 422, not the last value, on every HTTP route. (Not
# for the whole app: the dependency takes a Request, which a WebSocket is not.)
ONCE = [Depends(no_repeated_parameters)]
# What the server has seen, so tests (and operators) can check it noticed each
# client.
stats = {
    "streams_open": 0,
    "streams_abandoned": 0,
    "events_produced": 0,
    "chat_members": 0,
    "chat_dropped": 0,
}


@app.get("/healthz", dependencies=ONCE)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/stats", dependencies=ONCE)
def get_stats() -> dict[str, int]:
    return stats


def log(level: str, event: str, **fields: object) -> None:
    """One JSON line on stderr, the same line the Node version writes."""
    record = {"level": level, "event": event, **fields}
    line = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    print(line, file=sys.stderr, flush=True)


# --8<-- [start:params]
# ASCII digits only, as in the Node version: a plain int parameter would also
# take "+5", " 5", "5.0" and "1_0". The pattern shows in the OpenAPI
# document; the range is checked after it.
DIGITS = r"^[0-9]{1,6}$"


def between(low: int, high: int) -> AfterValidator:
    def check(value: str) -> str:
        if not low <= int(value) <= high:
            message = "must be an integer from {low} to {high}"
            context = {"low": low, "high": high}
            raise PydanticCustomError("int_range", message, context)
        return value

    return AfterValidator(check)


# --8<-- [end:params]
# --8<-- [start:disconnect]
async def tracked() -> AsyncIterator[dict[str, bool]]:
    """One stream's bookkeeping, done as FastAPI ends its request.

    Not in a finally block of the generator: a client that vanishes while
    the generator waits at a yield (its buffers full) leaves the generator
    suspended until garbage collection.
    """
    stream = {"open": False, "finished": False}
    try:
        yield stream
    except* (anyio.BrokenResourceError, anyio.ClosedResourceError):
        # FastAPI's keep-alive task was still handing on an event as the
        # client left; uvicorn would log this "Exception in ASGI
        # application" with a traceback. One line below says it all.
        pass
    finally:
        if stream["open"]:
            stats["streams_open"] -= 1
            if not stream["finished"]:
                stats["streams_abandoned"] += 1
                log("info", "client disconnected", path="/events")


# --8<-- [end:disconnect]
# --8<-- [start:sse]
@app.get("/events", response_class=EventSourceResponse, dependencies=ONCE)
async def events(
    stream: Annotated[dict[str, bool], Depends(tracked)],
    count: Annotated[str, Query(pattern=DIGITS), between(1, 1000)] = "10",
    interval_ms: Annotated[
        str, Query(pattern=DIGITS), between(0, 1000)
    ] = "100",
    pad: Annotated[str, Query(pattern=DIGITS), between(0, 65536)] = "0",
) -> AsyncIterator[ServerSentEvent]:
    # FastAPI pulls the next event only when the previous one has gone to the
    # socket's buffer, so a client that stops reading stops this loop: memory
    # stays bounded.
    stats["streams_open"] += 1
    stream["open"] = True
    for seq in range(1, int(count) + 1):
        stats["events_produced"] += 1
        yield ServerSentEvent(
            id=str(seq), data={"seq": seq, "pad": "x" * int(pad)}
        )
        await asyncio.sleep(int(interval_ms) / 1000)
    stream["finished"] = True


# --8<-- [end:sse]
# --8<-- [start:chat]
MAX_TEXT = 1000  # characters per chat message
# Lines waiting for one member; a member this far behind is dropped.
OUTBOX_LIMIT = 64
members: dict[WebSocket, tuple[asyncio.Queue[str], asyncio.Task[None]]] = {}
room = {"seq": 0}


@app.websocket("/chat")
async def chat(websocket: WebSocket) -> None:
    await websocket.accept()
    outbox: asyncio.Queue[str] = asyncio.Queue(OUTBOX_LIMIT)
    members[websocket] = (
        outbox,
        asyncio.create_task(deliver(websocket, outbox)),
    )
    stats["chat_members"] = len(members)
    try:
        await relay(websocket)
    finally:
        _, delivering = members.pop(websocket, (None, None))
        if delivering:
            delivering.cancel()
        stats["chat_members"] = len(members)


async def deliver(websocket: WebSocket, outbox: asyncio.Queue[str]) -> None:
    # One task per member does the waiting on that member's socket, so a slow
    # member never holds up the others; it fails quietly when the member has
    # gone (relay notices that).
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            await websocket.send_text(await outbox.get())


async def relay(websocket: WebSocket) -> None:
    """Receive this member's messages.

    Put each on every member's outbox, in order.
    """
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            code = message.get("code", 1005)
            if code in PROTOCOL_ERRORS:  # uvicorn has closed the connection
                detail = message.get("reason") or f"closed with {code}"
                log("warning", "bad websocket frame", detail=detail)
            return
        text = message.get("text")
        if text is None:  # a binary frame
            return await reject(websocket, 1003, "text frames only")
        if len(text) > MAX_TEXT:
            too_long = f"at most {MAX_TEXT} characters"
            return await reject(websocket, 1009, too_long)
        room["seq"] += 1
        line = json.dumps({"seq": room["seq"], "text": text})
        # put_nowait never waits, so every member's outbox gets the lines in one
        # order.
        for member, (outbox, delivering) in list(members.items()):
            try:
                outbox.put_nowait(line)
            except asyncio.QueueFull:
                # Too slow: stop queueing for it. ASGI has no way to abort a
                # connection whose send buffer is full, so the socket stays
                # until the client leaves.
                delivering.cancel()
                del members[member]
                stats["chat_members"] = len(members)
                stats["chat_dropped"] += 1


# --8<-- [end:chat]
# --8<-- [start:bad-frames]
# A frame that breaks RFC 6455 never reaches relay(): uvicorn closes the
# connection itself, with 1002 (protocol error), 1007 (invalid UTF-8) or
# 1009 (over MAX_FRAME), and tells the application only the code.
PROTOCOL_ERRORS = {1002, 1007, 1009}
MAX_FRAME = 64 * 1024  # bytes; uvicorn's default is 16 MiB
# For invalid UTF-8 uvicorn also logs a traceback of its own decoding; the
# line relay() logs says it all.
logging.getLogger("uvicorn.error").addFilter(
    lambda record: (
        not record.exc_info
        or not isinstance(record.exc_info[1], UnicodeDecodeError)
    )
)


async def reject(websocket: WebSocket, code: int, reason: str) -> None:
    log("warning", "bad websocket frame", detail=reason)
    await websocket.close(code, reason)


# --8<-- [end:bad-frames]
# --8<-- [start:main]
if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8080"))
    host = os.environ.get("HOST", "127.0.0.1")
    uvicorn.run(app, host=host, port=port, ws_max_size=MAX_FRAME)
# --8<-- [end:main]

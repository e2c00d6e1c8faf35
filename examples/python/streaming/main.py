"""Streaming to clients.

Server-Sent Events with back-pressure, and a WebSocket chat room.
"""

import asyncio
import contextlib
import json
import os
from collections.abc import AsyncIterator
from typing import Annotated

import uvicorn
from fastapi import FastAPI, Query, WebSocket, WebSocketDisconnect
from fastapi.sse import EventSourceResponse, ServerSentEvent

from examples.python.problem_details import install

app = FastAPI(title="streaming", redirect_slashes=False)
install(app)
# What the server has seen, so tests (and operators) can check it noticed each
# client.
stats = {
    "streams_open": 0,
    "streams_abandoned": 0,
    "events_produced": 0,
    "chat_members": 0,
    "chat_dropped": 0,
}


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/stats")
def get_stats() -> dict[str, int]:
    return stats


# --8<-- [start:sse]
@app.get("/events", response_class=EventSourceResponse)
async def events(
    count: Annotated[int, Query(ge=1, le=1000)] = 10,
    interval_ms: Annotated[int, Query(ge=0, le=1000)] = 100,
    pad: Annotated[int, Query(ge=0, le=65536)] = 0,
) -> AsyncIterator[ServerSentEvent]:
    # FastAPI pulls the next event only when the previous one has gone to the
    # socket's buffer, so a client that stops reading stops this loop: memory
    # stays bounded.
    stats["streams_open"] += 1
    finished = False
    try:
        for seq in range(1, count + 1):
            stats["events_produced"] += 1
            yield ServerSentEvent(
                id=str(seq), data={"seq": seq, "pad": "x" * pad}
            )
            await asyncio.sleep(interval_ms / 1000)
        finished = True
    finally:
        # Reached on a client disconnect too: FastAPI cancels the generator.
        stats["streams_open"] -= 1
        stats["streams_abandoned"] += not finished


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
            return
        text = message.get("text")
        if text is None:  # a binary frame
            return await websocket.close(1003, "text frames only")
        if len(text) > MAX_TEXT:
            return await websocket.close(1009, f"at most {MAX_TEXT} characters")
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
if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8080"))
    uvicorn.run(app, host=os.environ.get("HOST", "127.0.0.1"), port=port)

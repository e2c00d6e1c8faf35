"""One chat room over many instances: Redis pub/sub carries every message.

Each instance keeps its own members; a message goes to Redis, and Redis sends
it to every instance, which passes it to its members. Also `/whoami` and
`/busy`, which show how several processes share one port (workers.py).
"""

# --8<-- [start:app]
import asyncio
import contextlib
import json
import os
import socket
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import uvicorn
from fastapi import Depends, FastAPI, Query, WebSocket, WebSocketDisconnect
from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict
from redis.asyncio import Redis
from redis.exceptions import RedisError

from examples.python.problem_details import install, no_repeated_parameters
from examples.python.users.settings import describe

CHANNEL = "chat"
MAX_TEXT = 1000  # characters per chat message
OUTBOX_LIMIT = 64  # lines waiting for one member; more and it is dropped
# INCR and PUBLISH in one step: every instance sees one order of messages.
PUBLISH = """
local seq = redis.call('INCR', KEYS[1])
local line = cjson.encode({seq = seq, text = ARGV[1], instance = ARGV[2]})
redis.call('PUBLISH', ARGV[3], line)
return seq
"""


class ScalingSettings(BaseSettings):
    """REDIS_URL, INSTANCE (a name for this process), HOST and PORT."""

    model_config = SettingsConfigDict(frozen=True)

    redis_url: str = Field("redis://127.0.0.1:6379/0", pattern=r"^rediss?://")
    instance: str = Field(default_factory=socket.gethostname, max_length=64)
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)


class Room:
    """This instance's members, each with an outbox and a task that sends it."""

    def __init__(self) -> None:
        self.members: dict[WebSocket, asyncio.Queue[str]] = {}
        self.senders: dict[WebSocket, asyncio.Task[None]] = {}

    def join(self, websocket: WebSocket) -> None:
        outbox: asyncio.Queue[str] = asyncio.Queue(OUTBOX_LIMIT)
        self.members[websocket] = outbox
        self.senders[websocket] = asyncio.create_task(send(websocket, outbox))

    def leave(self, websocket: WebSocket) -> None:
        self.members.pop(websocket, None)
        if sender := self.senders.pop(websocket, None):
            sender.cancel()

    def deliver(self, line: str) -> None:
        for member, outbox in list(self.members.items()):
            try:
                outbox.put_nowait(line)
            except asyncio.QueueFull:  # too slow: it misses the rest
                self.leave(member)


async def send(websocket: WebSocket, outbox: asyncio.Queue[str]) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            await websocket.send_text(await outbox.get())


async def subscribe(redis: Redis, room: Room) -> None:
    """Pass every message published on the channel to this instance's room.

    Pub/sub delivers at most once: while the subscription is down, messages
    are lost, so it is made again at once.
    """
    while True:
        try:
            async with redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                await pubsub.subscribe(CHANNEL)
                async for message in pubsub.listen():
                    room.deliver(message["data"])
        except RedisError:
            await asyncio.sleep(0.5)


def create_app(settings: ScalingSettings) -> FastAPI:
    redis = Redis.from_url(settings.redis_url, decode_responses=True)
    publish = redis.register_script(PUBLISH)
    room = Room()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        listening = asyncio.create_task(subscribe(redis, room))
        yield
        listening.cancel()
        await redis.aclose()

    app = FastAPI(
        title="scaling",
        lifespan=lifespan,
        redirect_slashes=False,
        openapi_url=None,
    )
    install(app)
    app.state.room = room  # for the tests: who is here
    once = [Depends(no_repeated_parameters)]

    @app.get("/healthz", dependencies=once)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/whoami", dependencies=once)
    async def whoami() -> dict[str, str | int]:
        return {"instance": settings.instance, "pid": os.getpid()}

    @app.get("/busy", dependencies=once)
    async def busy(
        ms: Annotated[str, Query(pattern=r"^(2000|1?[0-9]{1,3})$")],
    ) -> dict[str, str | int]:
        # Blocks this process's event loop on purpose: while it spins, this
        # process answers nobody, and only another process can.
        until = time.perf_counter() + int(ms) / 1000
        while time.perf_counter() < until:
            pass
        return {"instance": settings.instance, "pid": os.getpid()}

    @app.websocket("/chat")
    async def chat(websocket: WebSocket) -> None:
        await websocket.accept()
        welcome = {"type": "welcome", "instance": settings.instance}
        await websocket.send_text(json.dumps(welcome))
        room.join(websocket)
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    return
                text = message.get("text")
                if text is None:
                    return await websocket.close(1003, "text frames only")
                if len(text) > MAX_TEXT:
                    reason = f"at most {MAX_TEXT} characters"
                    return await websocket.close(1009, reason)
                args = [text, settings.instance, CHANNEL]
                await publish(keys=["chat:seq"], args=args)
        except RedisError:
            await websocket.close(1011, "chat unavailable")
        finally:
            room.leave(websocket)

    return app


# --8<-- [end:app]
# --8<-- [start:main]
try:
    settings = ScalingSettings()
except ValidationError as error:
    sys.exit(describe(error))
app = create_app(settings)

if __name__ == "__main__":
    uvicorn.run(app, host=settings.host, port=settings.port)
# --8<-- [end:main]

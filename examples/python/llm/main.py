"""Streaming from a model: tokens from an OpenAI-compatible API to the browser.

POST /chat sends the prompt on with `stream=True` and relays each token as a
Server-Sent Event. The client's pace sets the model's (back-pressure), a
silent model times out, and a client that leaves cancels the model's request.
"""

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import openai
import uvicorn
from fastapi import Depends, FastAPI, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent
from openai import AsyncOpenAI, AsyncStream
from openai.types.chat import ChatCompletionChunk
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    ValidationError,
)
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.requests import ClientDisconnect

from examples.python import problem_details
from examples.python.problem_details import Problem
from examples.python.users import middleware
from examples.python.users.main import JSONRoute
from examples.python.users.settings import describe


# --8<-- [start:settings]
class LlmSettings(BaseSettings):
    """LLM_URL, LLM_API_KEY, LLM_MODEL, LLM_TIMEOUT_MS, HOST, PORT."""

    model_config = SettingsConfigDict(frozen=True)

    # Any OpenAI-compatible API: OpenAI's own, a proxy, a local server.
    llm_url: str = Field("http://127.0.0.1:11434/v1", pattern=r"^https?://")
    # Local servers ignore the key. SecretStr: ********** in logs.
    llm_api_key: SecretStr = Field(SecretStr("unused"), min_length=1)
    llm_model: str = Field("local", min_length=1)
    # The longest the model may stay silent: before it answers, and between
    # two chunks of its stream.
    llm_timeout_ms: int = Field(10_000, ge=100, le=600_000)
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    log_level: str = Field("info", pattern="^(debug|info|warning|error)$")


# --8<-- [end:settings]
# --8<-- [start:request]
class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Lengths count code points, as Zod's do. Pydantic refuses a string with
    # an unpaired surrogate, which no model could read; Zod needs a refine.
    prompt: Annotated[
        str, StringConstraints(strict=True, min_length=1, max_length=4000)
    ]


# --8<-- [end:request]
# --8<-- [start:open]
async def model_stream(
    body: ChatRequest, request: Request
) -> AsyncIterator[AsyncStream[ChatCompletionChunk]]:
    """Open the model's stream; a model that fails to start is a problem.

    A dependency, so its errors are answered before the 200 goes out, and its
    cleanup closes the model's connection however the response ends.
    """
    settings: LlmSettings = request.app.state.settings
    client: AsyncOpenAI = request.app.state.model
    timeout = f"the model sent nothing for {settings.llm_timeout_ms} ms"
    opening = asyncio.ensure_future(
        client.chat.completions.create(
            model=settings.llm_model,
            messages=[{"role": "user", "content": body.prompt}],
            stream=True,
        )
    )
    # The body has been read, so the next ASGI message can only say that the
    # client left. Nothing else watches for that until the 200 goes out.
    leaving = asyncio.ensure_future(request.receive())
    try:
        await asyncio.wait(
            (opening, leaving), return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        leaving.cancel()
    if not opening.done():
        opening.cancel()  # closes the model's connection: it stops
        raise ClientDisconnect  # nobody to answer
    try:
        stream = opening.result()
    except openai.APITimeoutError:
        raise Problem(504, detail=timeout) from None
    except openai.APIStatusError as error:
        detail = f"the model answered {error.status_code}"
        raise Problem(502, detail=detail) from None
    except openai.APIConnectionError:
        raise Problem(502, detail="the model could not be reached") from None
    async with stream:  # on leaving: close the connection, so the model stops
        yield stream


# --8<-- [end:open]
# --8<-- [start:relay]
async def relay(
    stream: AsyncStream[ChatCompletionChunk], timeout_ms: int
) -> AsyncIterator[ServerSentEvent]:
    """Each token as an event; then `done`, or `error` if the stream broke.

    FastAPI asks for the next event only once the last one is in the
    socket's buffer, so a client that stops reading stops this loop, and the
    model's stream waits in its own buffers: back-pressure end to end.
    """
    finish = None
    try:
        async for chunk in stream:
            for choice in chunk.choices:
                if choice.delta.content:
                    yield ServerSentEvent(
                        event="token", data={"text": choice.delta.content}
                    )
                finish = choice.finish_reason or finish
    except openai.APITimeoutError:  # the client's read timeout, per chunk
        detail = f"the model sent nothing for {timeout_ms} ms"
        yield ServerSentEvent(
            event="error", data={"status": 504, "detail": detail}
        )
        return
    except Exception:  # OpenAIError, and also a chunk that is not JSON
        detail = "the model's stream broke off"
        yield ServerSentEvent(
            event="error", data={"status": 502, "detail": detail}
        )
        return
    yield ServerSentEvent(event="done", data={"finish_reason": finish})


# --8<-- [end:relay]
# --8<-- [start:app]
def create_app(settings: LlmSettings) -> FastAPI:
    # One client, one connection pool. No retries: once a token has gone
    # out, a retry would send the reader a second answer.
    model = AsyncOpenAI(
        base_url=settings.llm_url,
        api_key=settings.llm_api_key.get_secret_value(),
        timeout=settings.llm_timeout_ms / 1000,
        max_retries=0,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await model.close()

    app = FastAPI(
        title="llm",
        version="1.0.0",
        lifespan=lifespan,
        openapi_url=None,  # the Node twin serves none
        redirect_slashes=False,
        dependencies=[Depends(problem_details.no_repeated_parameters)],
    )
    app.router.route_class = JSONRoute
    app.state.settings, app.state.model = settings, model
    Stream = Annotated[AsyncStream[ChatCompletionChunk], Depends(model_stream)]

    @app.post("/chat", response_class=EventSourceResponse)
    async def chat(stream: Stream) -> AsyncIterator[ServerSentEvent]:
        async for event in relay(stream, settings.llm_timeout_ms):
            yield event

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    problem_details.install(app)
    middleware.configure_logging(settings.log_level)
    app.add_middleware(middleware.BodyLimit)
    app.add_middleware(middleware.RequestLog)
    app.add_middleware(middleware.SecurityHeaders)
    return app


# --8<-- [end:app]
# --8<-- [start:main]
if __name__ == "__main__":
    try:
        settings = LlmSettings()
    except ValidationError as error:
        sys.exit(describe(error))
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        access_log=False,
        server_header=False,
    )
# --8<-- [end:main]

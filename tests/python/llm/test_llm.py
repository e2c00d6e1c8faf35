"""In-process tests of the Python llm example: httpx drives the app, the model is real.

The model is `FakeModel` (tests/contract/model_upstream.py), an OpenAI-compatible
server on 127.0.0.1: the SDK talks to it over a real socket.
"""

import asyncio
import runpy
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from openai import APITimeoutError, AsyncOpenAI
from starlette.types import Message

from examples.python.llm.main import LlmSettings, create_app
from scripts.servers import free_port
from tests.contract.model_upstream import FakeModel, Script, fake_model
from tests.python.asgi import in_process

pytestmark = pytest.mark.anyio
TIMEOUT_MS = 1000


@pytest.fixture(scope="module")
def model() -> Iterator[FakeModel]:
    with fake_model() as server:
        yield server


@pytest.fixture
def app(model: FakeModel) -> FastAPI:
    model.reset()
    return create_app(LlmSettings(llm_url=model.url, llm_timeout_ms=TIMEOUT_MS))


def events(response: httpx.Response) -> list[tuple[str, str]]:
    """(event, data) pairs of a whole text/event-stream body."""
    pairs = []
    for block in response.text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        if "data" in fields:
            pairs.append((fields["event"], fields["data"]))
    return pairs


async def test_tokens_then_done(client: httpx.AsyncClient, model: FakeModel) -> None:
    response = await client.post("/chat", json={"prompt": "Say hello"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert events(response) == [
        ("token", '{"text": "Hello"}'),
        ("token", '{"text": ","}'),
        ("token", '{"text": " world"}'),
        ("token", '{"text": "!"}'),
        ("done", '{"finish_reason": "stop"}'),
    ]
    [sent] = model.requests
    assert (sent["model"], sent["authorization"]) == ("local", "Bearer unused")


async def test_a_model_that_falls_silent(client: httpx.AsyncClient, model: FakeModel) -> None:
    model.reset(Script(stall_after=1))
    response = await client.post("/chat", json={"prompt": "hi"})
    detail = f"the model sent nothing for {TIMEOUT_MS} ms"
    assert events(response)[-1] == ("error", f'{{"status": 504, "detail": "{detail}"}}')


async def test_a_stream_that_breaks_off(client: httpx.AsyncClient, model: FakeModel) -> None:
    model.reset(Script(cut_after=0))
    response = await client.post("/chat", json={"prompt": "hi"})
    detail = "the model's stream broke off"
    assert events(response) == [("error", f'{{"status": 502, "detail": "{detail}"}}')]


async def test_a_model_that_never_answers(client: httpx.AsyncClient, model: FakeModel) -> None:
    model.reset(Script(head_pause=3))
    response = await client.post("/chat", json={"prompt": "hi"})
    assert response.status_code == 504
    assert response.json()["detail"] == f"the model sent nothing for {TIMEOUT_MS} ms"


async def test_a_model_error(client: httpx.AsyncClient, model: FakeModel) -> None:
    model.reset(Script(status=429))
    response = await client.post("/chat", json={"prompt": "hi"})
    assert response.status_code == 502
    assert response.json()["detail"] == "the model answered 429"


async def test_a_model_out_of_reach() -> None:
    nobody = LlmSettings(llm_url=f"http://127.0.0.1:{free_port()}/v1")
    async with in_process(create_app(nobody)) as client:
        response = await client.post("/chat", json={"prompt": "hi"})
    assert response.status_code == 502
    assert response.json()["detail"] == "the model could not be reached"


@pytest.mark.parametrize(
    "body", ["{}", '{"prompt": ""}', '{"prompt": "\\ud800"}', '{"prompt": "hi", "x": 1}']
)
async def test_a_bad_prompt(client: httpx.AsyncClient, model: FakeModel, body: str) -> None:
    json = {"content-type": "application/json"}
    response = await client.post("/chat", content=body, headers=json)
    assert response.status_code == 422
    assert model.requests == []


async def test_the_sdk_alone_times_out_a_stalled_stream(model: FakeModel) -> None:
    """What the page's table says: httpx's read timeout also covers each chunk."""
    model.reset(Script(stall_after=1))
    async with AsyncOpenAI(base_url=model.url, api_key="unused", timeout=0.5, max_retries=0) as sdk:
        stream = await sdk.chat.completions.create(
            model="local", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            async for _ in stream:
                pass
    assert time.monotonic() - started < 5


async def test_a_client_that_leaves_before_the_model_answers(
    app: FastAPI, model: FakeModel
) -> None:
    """Raw ASGI, as a server would call the app: the body, then a disconnect."""
    model.reset(Script(head_pause=10))
    body = b'{"prompt": "hello?"}'
    messages: list[Message] = [
        {"type": "http.request", "body": body, "more_body": False},
    ]

    async def receive() -> Message:
        if messages:
            return messages.pop(0)
        await asyncio.sleep(0.3)  # the client hangs up a moment later
        return {"type": "http.disconnect"}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/chat",
        "raw_path": b"/chat",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"test"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("test", 80),
    }
    async with app.router.lifespan_context(app):
        await app(scope, receive, send)
    assert model.wait_for(cancelled=1, timeout=3)
    assert sent == []  # nobody to answer


async def test_healthz(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}


def test_bad_settings_stop_the_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLM_TIMEOUT_MS", "10")
    monkeypatch.delitem(sys.modules, "examples.python.llm.main", raising=False)
    with pytest.raises(SystemExit) as exit_:
        runpy.run_module("examples.python.llm.main", run_name="__main__")
    assert "LLM_TIMEOUT_MS:" in str(exit_.value.code)

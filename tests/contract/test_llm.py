"""Streaming-from-a-model contract: both servers relay a real (fake) model's stream.

The model is `FakeModel`, an OpenAI-compatible server on 127.0.0.1 that counts what it
sends and notices a caller hanging up; so these tests can see the example's side of
the model's connection: tokens relayed as they come, back-pressure, cancellation.
"""

import json
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from scripts.polling import eventually
from scripts.servers import running_server
from tests.contract.answers import assert_method_not_allowed, media_type
from tests.contract.model_upstream import FakeModel, Script, fake_model

# The servers' LLM_TIMEOUT_MS. Long enough that a machine under heavy load
# never stalls a model that is streaming this long (2 s once did, at load 17).
TIMEOUT_MS = 4000


@pytest.fixture(scope="module")
def model() -> Iterator[FakeModel]:
    with fake_model() as server:
        yield server


@pytest.fixture(scope="module")
def client(runtime: str, example: str, model: FakeModel) -> Iterator[httpx.Client]:
    # Overrides conftest's `client`: this example needs its model.
    env = {
        "LLM_URL": model.url,
        "LLM_API_KEY": "sk-test",
        "LLM_MODEL": "fake-1",
        "LLM_TIMEOUT_MS": str(TIMEOUT_MS),
    }
    with (
        running_server(runtime, example, env=env) as server,
        httpx.Client(base_url=server.base_url, timeout=10) as http,
    ):
        yield http


@pytest.fixture(autouse=True)
def fresh_model(model: FakeModel) -> None:
    model.reset()


def parse_events(lines: Iterator[str]) -> Iterator[tuple[str, dict[str, object]]]:
    """(event, data) pairs from text/event-stream lines; comments skipped."""
    name, data = "message", ""
    for line in lines:
        if line == "":
            if data:
                yield name, json.loads(data)
            name, data = "message", ""
        elif line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            data += line.removeprefix("data: ")


def chat(client: httpx.Client, prompt: str = "Say hello") -> list[tuple[str, object]]:
    with client.stream("POST", "/chat", json={"prompt": prompt}) as response:
        assert response.status_code == 200
        return list(parse_events(response.iter_lines()))


# --8<-- [start:tests]
def test_tokens_arrive_as_events_then_done(
    client: httpx.Client,
    model: FakeModel,
) -> None:
    prompt = {"prompt": "Say hello"}
    with client.stream("POST", "/chat", json=prompt) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["x-accel-buffering"] == "no"
        events = list(parse_events(response.iter_lines()))
    assert events == [
        ("token", {"text": "Hello"}),
        ("token", {"text": ","}),
        ("token", {"text": " world"}),
        ("token", {"text": "!"}),
        ("done", {"finish_reason": "stop"}),
    ]
    # The model got the prompt, the configured model and key, and stream: true.
    [sent] = model.requests
    assert sent["messages"] == [{"role": "user", "content": "Say hello"}]
    assert (sent["model"], sent["stream"]) == ("fake-1", True)
    assert sent["authorization"] == "Bearer sk-test"


def test_each_token_is_relayed_as_it_comes(
    client: httpx.Client,
    model: FakeModel,
) -> None:
    # A second between tokens: the first arrives long before the next is sent,
    # even on a loaded machine.
    model.reset(Script(tokens=["a", "b", "c"], pause=1.0))
    with client.stream("POST", "/chat", json={"prompt": "slowly"}) as response:
        events = parse_events(response.iter_lines())
        assert next(events) == ("token", {"text": "a"})
        # The first token is here while the model has yet to send the rest:
        # nothing waits for the whole answer.
        assert model.sent < 3  # the role chunk and "a"; "b" is a second away
        names = [name for name, _ in events]
        assert names == ["token", "token", "done"]


def test_a_client_that_leaves_cancels_the_model(
    client: httpx.Client,
    model: FakeModel,
) -> None:
    model.reset(Script(tokens=["tick"] * 100, pause=0.1))
    with client.stream("POST", "/chat", json={"prompt": "go on"}) as response:
        events = parse_events(response.iter_lines())
        assert next(events) == ("token", {"text": "tick"})
    # The client hung up after one token: the server closes the model's
    # connection, and the model stops long before its 100 tokens.
    assert model.wait_for(cancelled=1), f"sent {model.sent}, not cancelled"
    assert model.completed == 0
    assert model.sent < 50


def test_a_client_that_stops_reading_stops_the_model(
    client: httpx.Client, model: FakeModel
) -> None:
    # 1000 tokens of 64 KiB: about 64 MiB if the server read them all.
    count, pad = 1000, 65536
    tokens = [f"{seq:04d}" + "x" * pad for seq in range(count)]
    model.reset(Script(tokens=tokens))
    host, port = client.base_url.host, client.base_url.port
    body = json.dumps({"prompt": "a lot"})
    with socket.socket() as slow:
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        slow.connect((host, port))
        head = (
            f"POST /chat HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}"
        )
        slow.sendall(f"{head}\r\n\r\n{body}".encode())
        # The model starts streaming (within the server's timeout, or the
        # server would have given up with a 504).
        wait = TIMEOUT_MS / 1000 + 5
        started = eventually(lambda: model.sent > 0, timeout=wait)
        asked = len(model.requests)
        assert started, f"the model got {asked} requests and sent nothing"
        # Read nothing. Once every buffer on the way is full, the server stops
        # reading the model, and the model's writes stop.
        sent = [-1]

        def stalled() -> bool:
            now, sent[0] = model.sent, model.sent
            time.sleep(0.5)
            return now > 0 and now == model.sent

        assert eventually(stalled, timeout=15.0), sent
        assert sent[0] < count / 2, f"the model sent {sent[0]} of {count}"
        # A slow client is not a silent model: no timeout while it waits.
        time.sleep(TIMEOUT_MS / 1000 + 0.5)
        # Now read everything: no token was lost or reordered meanwhile.
        received = bytearray()
        while chunk := slow.recv(1 << 20):
            received += chunk
    lines = received.decode().split("\n")
    relayed = [json.loads(line[6:]) for line in lines if '"text"' in line]
    texts = [token["text"][:4] for token in relayed]
    assert texts == [f"{seq:04d}" for seq in range(count)]
    # The model's thread counts its stream done just after its last write.
    assert eventually(lambda: model.completed == 1, timeout=5)


def test_a_model_that_never_answers_is_a_504(
    client: httpx.Client,
    model: FakeModel,
) -> None:
    model.reset(Script(head_pause=4 * TIMEOUT_MS / 1000))
    started = time.monotonic()
    response = client.post("/chat", json={"prompt": "anyone?"})
    assert time.monotonic() - started < 3 * TIMEOUT_MS / 1000
    assert response.status_code == 504
    assert media_type(response) == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Gateway Timeout",
        "status": 504,
        "detail": f"the model sent nothing for {TIMEOUT_MS} ms",
    }
    # The server gave up on the model's request: it closed the connection.
    assert model.wait_for(cancelled=1)


def test_a_model_that_falls_silent_ends_the_stream_with_an_error(
    client: httpx.Client, model: FakeModel
) -> None:
    model.reset(Script(stall_after=2))
    detail = f"the model sent nothing for {TIMEOUT_MS} ms"
    assert chat(client) == [
        ("token", {"text": "Hello"}),
        ("token", {"text": ","}),
        ("error", {"status": 504, "detail": detail}),
    ]
    assert model.wait_for(cancelled=1)


def test_a_stream_that_breaks_off_ends_with_an_error(
    client: httpx.Client, model: FakeModel
) -> None:
    model.reset(Script(cut_after=1))
    assert chat(client) == [
        ("token", {"text": "Hello"}),
        ("error", {"status": 502, "detail": "the model's stream broke off"}),
    ]


def test_a_chunk_that_is_not_json_ends_the_stream_with_an_error(
    client: httpx.Client,
    model: FakeModel,
) -> None:
    model.reset(Script(garble_after=1))
    assert chat(client) == [
        ("token", {"text": "Hello"}),
        ("error", {"status": 502, "detail": "the model's stream broke off"}),
    ]


def test_a_client_that_leaves_before_the_model_answers_cancels_it(
    runtime: str,
    example: str,
    model: FakeModel,
) -> None:
    # A server of its own with a long timeout, so that only noticing the
    # client, not the timeout, can cancel the model's request in time.
    env = {"LLM_URL": model.url, "LLM_TIMEOUT_MS": "30000"}
    model.reset(Script(head_pause=20))
    body = json.dumps({"prompt": "hello?"})
    with running_server(runtime, example, env=env) as server:
        host, port = "127.0.0.1", int(server.base_url.rsplit(":", 1)[1])
        with socket.create_connection((host, port)) as impatient:
            head = (
                f"POST /chat HTTP/1.1\r\nHost: {host}\r\n"
                f"Content-Type: application/json\r\n"
                f"Content-Length: {len(body)}"
            )
            impatient.sendall(f"{head}\r\n\r\n{body}".encode())
            assert eventually(lambda: len(model.requests) == 1, timeout=5)
        # Gone long before the model's 20 s: the server hangs up on it too.
        assert model.wait_for(cancelled=1, timeout=5), "the model kept working"


@pytest.mark.parametrize("status", [400, 401, 429, 500, 503])
def test_a_model_error_is_a_502(
    client: httpx.Client,
    model: FakeModel,
    status: int,
) -> None:
    model.reset(Script(status=status))
    response = client.post("/chat", json={"prompt": "hello"})
    assert response.status_code == 502
    assert media_type(response) == "application/problem+json"
    assert response.json()["detail"] == f"the model answered {status}"
    # One request: no retries behind the reader's back.
    assert len(model.requests) == 1


# --8<-- [end:tests]
@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({}, "/prompt"),
        ({"prompt": ""}, "/prompt"),
        ({"prompt": "x" * 4001}, "/prompt"),
        ({"prompt": "\U0001f600" * 4001}, "/prompt"),  # code points, not UTF-16
        ({"prompt": 42}, "/prompt"),
        ({"prompt": None}, "/prompt"),
        ({"prompt": "hi", "model": "gpt-5"}, "/model"),  # no choosing the model
        ([], ""),
    ],
)
def test_a_bad_prompt_is_a_422_and_never_reaches_the_model(
    client: httpx.Client, model: FakeModel, body: object, pointer: str
) -> None:
    response = client.post("/chat", json=body)
    assert response.status_code == 422
    assert media_type(response) == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/validation-error"
    assert [error["pointer"] for error in problem["errors"]] == [pointer]
    assert model.requests == []


def test_a_lone_surrogate_is_a_422(
    client: httpx.Client,
    model: FakeModel,
) -> None:
    response = client.post(
        "/chat",
        content=b'{"prompt": "\\ud800"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/prompt"
    assert model.requests == []


def test_4000_code_points_are_accepted(
    client: httpx.Client,
    model: FakeModel,
) -> None:
    prompt = "\U0001f600" * 4000  # 8000 UTF-16 code units
    assert chat(client, prompt)[-1] == ("done", {"finish_reason": "stop"})
    assert model.requests[0]["messages"] == [{"role": "user", "content": prompt}]


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"prompt=hi", "application/x-www-form-urlencoded", 415),
    ],
)
def test_a_body_that_is_not_json_is_refused(
    client: httpx.Client, content: bytes, content_type: str, status: int
) -> None:
    response = client.post("/chat", content=content, headers={"content-type": content_type})
    assert response.status_code == status
    assert media_type(response) == "application/problem+json"


def test_chat_takes_only_post(client: httpx.Client) -> None:
    assert_method_not_allowed(client.get("/chat"), "POST")


def test_healthz(client: httpx.Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}

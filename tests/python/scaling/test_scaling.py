"""In-process tests of the Python scaling example: two instances on one real Redis.

Each instance runs in uvicorn on a thread of this process; `websockets` clients talk to
them over 127.0.0.1, as a browser behind a load balancer would.
"""

import json
import runpy
import socket
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import redis
import uvicorn
from fastapi import FastAPI
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection

from examples.python.scaling.main import MAX_TEXT, ScalingSettings, create_app
from examples.python.scaling.workers import Workers
from scripts.polling import eventually
from scripts.redis_server import RedisServer
from scripts.servers import free_port
from tests.chat import chat_member, stalled_member


def serving(app: FastAPI) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    yield f"127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def redis_url(redis_server: RedisServer) -> str:
    return redis_server.url


@pytest.fixture(scope="module")
def instance_a(redis_url: str) -> Iterator[str]:
    yield from serving(create_app(ScalingSettings(redis_url=redis_url, instance="a")))


@pytest.fixture(scope="module")
def instance_b(redis_url: str) -> Iterator[str]:
    yield from serving(create_app(ScalingSettings(redis_url=redis_url, instance="b")))


@pytest.fixture
def app(redis_url: str) -> FastAPI:
    return create_app(ScalingSettings(redis_url=redis_url, instance="in-process"))


def welcome(member: ClientConnection) -> str:
    greeting = json.loads(member.recv(timeout=5))
    assert greeting["type"] == "welcome"
    instance: str = greeting["instance"]
    return instance


def texts(member: ClientConnection, count: int) -> list[tuple[int, str]]:
    lines = [json.loads(member.recv(timeout=5)) for _ in range(count)]
    return [(line["seq"], line["text"]) for line in lines]


# --8<-- [start:tests]
def test_a_message_sent_to_a_reaches_a_member_on_b(
    instance_a: str,
    instance_b: str,
) -> None:
    with (
        chat_member(f"ws://{instance_a}/chat") as alice,
        chat_member(f"ws://{instance_b}/chat") as bob,
    ):
        assert (welcome(alice), welcome(bob)) == ("a", "b")
        time.sleep(0.2)  # both instances' subscriptions are up by now
        alice.send("hello from a")
        assert [text for _, text in texts(bob, 1)] == ["hello from a"]
        assert [text for _, text in texts(alice, 1)] == ["hello from a"]


def test_both_instances_deliver_one_order(
    instance_a: str,
    instance_b: str,
) -> None:
    with (
        chat_member(f"ws://{instance_a}/chat") as alice,
        chat_member(f"ws://{instance_b}/chat") as bob,
    ):
        welcome(alice), welcome(bob)
        time.sleep(0.2)
        for n in range(10):
            (alice if n % 2 else bob).send(f"m{n}")
        seen_by_alice, seen_by_bob = texts(alice, 10), texts(bob, 10)
    assert seen_by_alice == seen_by_bob
    sequence = [seq for seq, _ in seen_by_alice]
    assert sequence == sorted(sequence)


# --8<-- [end:tests]


@pytest.mark.parametrize(("message", "code"), [("x" * 1001, 1009), (b"\x00", 1003)])
def test_bad_frames_close_the_connection(instance_a: str, message: str | bytes, code: int) -> None:
    with chat_member(f"ws://{instance_a}/chat") as member:
        welcome(member)
        member.send(message)
        with pytest.raises(ConnectionClosed) as closed:
            member.recv(timeout=5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == code


def test_without_redis_the_chat_closes_with_1011(instance_a: str) -> None:
    down = ScalingSettings(redis_url=f"redis://127.0.0.1:{free_port()}/0", instance="c")
    for address in serving(create_app(down)):
        with chat_member(f"ws://{address}/chat") as member:
            welcome(member)
            member.send("anyone?")
            with pytest.raises(ConnectionClosed) as closed:
                member.recv(timeout=10)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1011


@pytest.mark.anyio
async def test_whoami_and_busy(client: httpx.AsyncClient) -> None:
    me = (await client.get("/whoami")).json()
    assert me["instance"] == "in-process"
    started = time.perf_counter()
    busy = await client.get("/busy", params={"ms": "100"})
    assert busy.json() == me
    assert time.perf_counter() - started >= 0.1
    assert (await client.get("/healthz")).json() == {"status": "ok"}


@pytest.mark.anyio
@pytest.mark.parametrize("ms", ["2001", "-1", "1e3", "", "01000x"])
async def test_a_bad_busy_time_is_a_422(client: httpx.AsyncClient, ms: str) -> None:
    response = await client.get("/busy", params={"ms": ms})
    assert response.status_code == 422
    assert response.json()["errors"][0]["parameter"] == "ms"


def test_bad_settings_stop_the_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "memcached://nope")
    monkeypatch.delitem(sys.modules, "examples.python.scaling.main", raising=False)
    with pytest.raises(SystemExit) as exit_:
        runpy.run_module("examples.python.scaling.main")
    assert "REDIS_URL:" in str(exit_.value.code)


def test_the_subscription_comes_back_after_redis_drops_it(instance_a: str, redis_url: str) -> None:
    with chat_member(f"ws://{instance_a}/chat") as alice:
        welcome(alice)
        with redis.Redis.from_url(redis_url) as admin:
            admin.client_kill_filter(_type="pubsub")
        time.sleep(1.0)  # the subscriber notices, waits 0.5 s and subscribes again
        alice.send("still here")
        assert [text for _, text in texts(alice, 1)] == ["still here"]


def test_a_member_that_stops_reading_is_dropped_and_the_others_get_everything(
    redis_url: str,
) -> None:
    app = create_app(ScalingSettings(redis_url=redis_url, instance="d"))
    line = "界" * MAX_TEXT  # the longest message the room accepts
    for address in serving(app):
        url = f"ws://{address}/chat"
        with stalled_member(url) as slow, chat_member(url) as fast:
            welcome(fast)
            assert eventually(lambda: len(app.state.room.members) == 2)
            time.sleep(0.2)
            for _ in range(200):  # in batches, at most 12 MB; the drop comes sooner
                for _ in range(20):
                    fast.send(line)
                assert [text for _, text in texts(fast, 20)] == [line] * 20
                if len(app.state.room.members) == 1:
                    break
            assert len(app.state.room.members) == 1
            slow.socket.shutdown(socket.SHUT_RDWR)


def test_workers_configures_gunicorn_in_code(app: FastAPI) -> None:
    workers = Workers(app, {"workers": 3, "bind": "127.0.0.1:0"})
    assert workers.cfg.workers == 3
    assert workers.load() is app

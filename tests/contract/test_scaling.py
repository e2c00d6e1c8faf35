"""The scaling contract: two instances behind a real nginx, one real Redis between them.

Members of one chat room connect through the load balancer and land on either
instance; Redis pub/sub carries every message to both. Stopping an instance moves its
members to the other, and they miss nothing sent after they reconnect. For plain HTTP,
several processes of one runtime share a port: gunicorn's workers, node:cluster's.
"""

import contextlib
import json
import os
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection

from scripts.balancer import balancing
from scripts.redis_server import RedisServer
from scripts.servers import RUNTIMES, RunningServer, running_server
from tests.chat import chat_member
from tests.contract.answers import assert_method_not_allowed


@pytest.fixture(scope="module")
def server_env(redis_server: RedisServer, runtime: str) -> dict[str, str]:
    return {
        "REDIS_URL": redis_server.database_url(RUNTIMES.index(runtime) + 1),
        "INSTANCE": "solo",
    }


@contextlib.contextmanager
def two_instances_behind_nginx(
    runtime: str, example: str, redis_url: str
) -> Iterator[tuple[RunningServer, RunningServer, RunningServer]]:
    """Instances a and b of one runtime, and nginx in front of them."""
    with (
        running_server(runtime, example, env={"REDIS_URL": redis_url, "INSTANCE": "a"}) as a,
        running_server(runtime, example, env={"REDIS_URL": redis_url, "INSTANCE": "b"}) as b,
        balancing([a.base_url, b.base_url]) as nginx,
    ):
        yield a, b, nginx


def join(stack: contextlib.ExitStack, url: str, instance: str) -> ClientConnection:
    """Connect through the balancer until a connection lands on `instance`."""
    for _ in range(10):
        member = stack.enter_context(chat_member(url))
        greeting = json.loads(member.recv(timeout=5))
        if greeting == {"type": "welcome", "instance": instance}:
            return member
        member.close()
    raise AssertionError(f"no connection landed on instance {instance!r}")


def texts(member: ClientConnection, count: int) -> list[str]:
    return [json.loads(member.recv(timeout=10))["text"] for _ in range(count)]


# --8<-- [start:failover]
def test_stopping_an_instance_moves_its_members_and_loses_nothing_after(
    runtime: str, example: str, redis_server: RedisServer
) -> None:
    url = redis_server.database_url(RUNTIMES.index(runtime) + 3)
    with (
        two_instances_behind_nginx(runtime, example, url) as (a, _, nginx),
        contextlib.ExitStack() as members,
    ):
        chat = nginx.base_url.replace("http", "ws") + "/chat"
        alice, bob = join(members, chat, "a"), join(members, chat, "b")
        time.sleep(0.3)  # both instances' subscriptions are up by now
        alice.send("before")  # a to b, through Redis:
        assert texts(bob, 1) == texts(alice, 1) == ["before"]
        os.killpg(a.process.pid, signal.SIGTERM)
        with pytest.raises(ConnectionClosed) as closed:
            alice.recv(timeout=15)
        # uvicorn says "service restart"; Node's example "going away".
        assert closed.value.rcvd is not None
        expected = {"python": 1012, "node": 1001}[runtime]
        assert closed.value.rcvd.code == expected
        alice = join(members, chat, "b")  # nginx skips the stopped one
        for n in range(10):
            bob.send(f"after {n}")
        assert texts(alice, 10) == [f"after {n}" for n in range(10)]


# --8<-- [end:failover]


def test_both_instances_deliver_one_order(
    runtime: str, example: str, redis_server: RedisServer
) -> None:
    redis_url = redis_server.database_url(RUNTIMES.index(runtime) + 5)
    with (
        two_instances_behind_nginx(runtime, example, redis_url) as (_, _, nginx),
        contextlib.ExitStack() as members,
    ):
        chat = nginx.base_url.replace("http", "ws") + "/chat"
        alice, bob = join(members, chat, "a"), join(members, chat, "b")
        time.sleep(0.3)
        for n in range(20):
            (alice if n % 2 else bob).send(f"m{n}")
        seen = [[json.loads(member.recv(timeout=10)) for _ in range(20)] for member in (alice, bob)]
        alice.close()
        bob.close()
    assert seen[0] == seen[1]
    sequence = [line["seq"] for line in seen[0]]
    assert sequence == sorted(sequence)


# --8<-- [start:workers]
def test_two_worker_processes_answer_at_once(
    runtime: str, example: str, server_env: dict[str, str]
) -> None:
    env = {**server_env, "WORKERS": "2"}
    program = "workers"  # workers.py, workers.ts
    with running_server(runtime, example, program=program, env=env) as workers:
        # A worker busy for 1.5 s accepts nothing: the other takes the
        # second call. A new connection per call, so either worker may.
        def busy(_: int) -> int:
            url = f"{workers.base_url}/busy"
            answer = httpx.get(url, params={"ms": "1500"}, timeout=30)
            pid: int = answer.json()["pid"]
            return pid

        deadline = time.monotonic() + 20
        while True:  # until both workers listen
            with ThreadPoolExecutor(max_workers=2) as pool:
                pids = set(pool.map(busy, range(2)))
            if len(pids) == 2 or time.monotonic() > deadline:
                break
        assert len(pids) == 2
        assert workers.pid not in pids  # the master only manages them


# --8<-- [end:workers]


def test_the_runtimes_share_one_room(redis_server: RedisServer, example: str) -> None:
    """A Python and a Node.js instance on one Redis: the same channel, the same lines."""
    env = {"REDIS_URL": redis_server.database_url(7)}
    with (
        running_server("python", example, env={**env, "INSTANCE": "py"}) as python,
        running_server("node", example, env={**env, "INSTANCE": "js"}) as node,
        chat_member(python.base_url.replace("http", "ws") + "/chat") as alice,
        chat_member(node.base_url.replace("http", "ws") + "/chat") as bob,
    ):
        alice.recv(timeout=5), bob.recv(timeout=5)  # the welcomes
        time.sleep(0.3)
        alice.send("from Python")
        bob.send("from Node.js")
        lines = [[json.loads(m.recv(timeout=10)) for _ in range(2)] for m in (alice, bob)]
    assert lines[0] == lines[1]
    assert {(line["text"], line["instance"]) for line in lines[0]} == {
        ("from Python", "py"),
        ("from Node.js", "js"),
    }


def test_whoami_names_the_instance_and_process(client: httpx.Client, server: RunningServer) -> None:
    assert client.get("/whoami").json() == {"instance": "solo", "pid": server.pid}


@pytest.mark.parametrize("ms", ["2001", "-1", "1e3", "", "01000x"])
def test_a_bad_busy_time_is_a_422(client: httpx.Client, ms: str) -> None:
    response = client.get("/busy", params={"ms": ms})
    assert response.status_code == 422
    assert [error["parameter"] for error in response.json()["errors"]] == ["ms"]


def test_other_methods_are_405(client: httpx.Client) -> None:
    for path in ("/whoami", "/busy", "/healthz"):
        assert_method_not_allowed(client.post(path))

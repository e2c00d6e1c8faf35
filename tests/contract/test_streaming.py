"""Streaming contract, with real clients: Server-Sent Events and a WebSocket chat room.

Both servers count what they see on GET /stats, so the tests can check that the server
noticed a client leaving and that it stopped producing for a client that stopped reading.
"""

import json
import socket
import time

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from scripts.polling import eventually
from tests.chat import stalled_member


def parse_events(text: str) -> list[dict[str, str]]:
    """Split a text/event-stream body into events (fields per the HTML standard)."""
    events = []
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "data" in fields:
            events.append(fields)
    return events


def stats(client: httpx.Client) -> dict[str, int]:
    counts: dict[str, int] = client.get("/stats").json()
    return counts


def test_sse_events_arrive_in_order(client: httpx.Client) -> None:
    response = client.get("/events", params={"count": 20, "interval_ms": 5})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = parse_events(response.text)
    assert [event["id"] for event in events] == [str(seq) for seq in range(1, 21)]
    assert [json.loads(event["data"])["seq"] for event in events] == list(range(1, 21))


def test_sse_server_notices_a_client_that_disconnects(client: httpx.Client) -> None:
    before = stats(client)["streams_abandoned"]
    with client.stream("GET", "/events", params={"count": 1000, "interval_ms": 100}) as stream:
        lines = stream.iter_lines()
        assert next(line for line in lines if line.startswith("id: ")) == "id: 1"
        assert next(line for line in lines if line.startswith("id: ")) == "id: 2"
    # The `with` block closed the connection mid-stream; the server must see it go.
    assert eventually(lambda: stats(client)["streams_abandoned"] == before + 1)
    assert stats(client)["streams_open"] == 0


# --8<-- [start:backpressure]
def test_sse_stops_producing_for_a_client_that_stops_reading(
    client: httpx.Client,
) -> None:
    # 1000 events of 64 KiB: about 64 MiB if all were produced.
    count, pad = 1000, 65536
    before = stats(client)["events_produced"]
    host, port = client.base_url.host, client.base_url.port
    with socket.socket() as slow:
        # A small receive window.
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        slow.connect((host, port))
        path = f"/events?count={count}&interval_ms=0&pad={pad}"
        head = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close"
        slow.sendall(f"{head}\r\n\r\n".encode())
        # Read nothing. Once the socket buffers are full the server must stop
        # producing.
        produced = [-1]

        def stalled() -> bool:
            now = stats(client)["events_produced"] - before
            previous, produced[0] = produced[0], now
            time.sleep(0.5)
            return now > 0 and now == previous

        assert eventually(stalled, timeout=15.0), produced
        message = f"produced {produced[0]} of {count} for a stalled client"
        assert produced[0] < count / 2, message
        # Now read everything: no event was lost or reordered while the server
        # waited.
        body = bytearray()
        while chunk := slow.recv(1 << 20):
            body += chunk
    lines = body.decode().split("\n")
    ids = [line for line in lines if line.startswith("id: ")]
    assert ids == [f"id: {seq}" for seq in range(1, count + 1)]


# --8<-- [end:backpressure]
@pytest.mark.parametrize(
    "params",
    [{"count": 0}, {"count": 1001}, {"interval_ms": -1}, {"pad": 65537}, {"count": "x"}],
    ids=["count-0", "count-1001", "interval-negative", "pad-too-big", "count-not-int"],
)
def test_sse_bad_parameters_are_a_422_problem(
    client: httpx.Client, params: dict[str, int | str]
) -> None:
    response = client.get("/events", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert (body["type"], body["title"], body["detail"]) == (
        "/problems/validation-error",
        "Unprocessable Content",
        "The request is invalid.",
    )
    assert [error["parameter"] for error in body["errors"]] == list(params)


def ws_url(client: httpx.Client) -> str:
    return f"ws://{client.base_url.host}:{client.base_url.port}/chat"


def test_chat_members_get_every_message_in_order(client: httpx.Client) -> None:
    with connect(ws_url(client)) as alice, connect(ws_url(client)) as bob:
        assert eventually(lambda: stats(client)["chat_members"] == 2)
        for n in range(30):
            alice.send(f"message {n}")
        for member in (alice, bob):
            lines = [json.loads(member.recv(timeout=5)) for _ in range(30)]
            assert [line["text"] for line in lines] == [f"message {n}" for n in range(30)]
            seqs = [line["seq"] for line in lines]
            assert seqs == sorted(seqs)
            assert len(set(seqs)) == 30


def test_chat_server_notices_a_dropped_connection(client: httpx.Client) -> None:
    with connect(ws_url(client)) as stays:
        assert eventually(lambda: stats(client)["chat_members"] == 1)
        dropped = connect(ws_url(client))
        assert eventually(lambda: stats(client)["chat_members"] == 2)
        # Cut the TCP connection without a WebSocket close frame, like a lost network.
        dropped.socket.shutdown(socket.SHUT_RDWR)
        dropped.socket.close()
        assert eventually(lambda: stats(client)["chat_members"] == 1)
        stays.send("still here")
        assert json.loads(stays.recv(timeout=5))["text"] == "still here"
    assert eventually(lambda: stats(client)["chat_members"] == 0)


@pytest.mark.parametrize(
    ("message", "code"),
    [("x" * 1001, 1009), ("👋" * 1001, 1009), (b"\x00\x01", 1003)],
    ids=["1001-ascii", "1001-emoji", "binary"],
)
def test_chat_rejects_bad_frames_with_a_close_code(
    client: httpx.Client, message: str | bytes, code: int
) -> None:
    with connect(ws_url(client), max_size=None) as member:
        member.send(message)
        with pytest.raises(ConnectionClosed) as closed:
            member.recv(timeout=5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == code


def test_a_1000_character_message_is_accepted(client: httpx.Client) -> None:
    with connect(ws_url(client)) as member:
        member.send("👋" * 1000)
        assert json.loads(member.recv(timeout=5))["text"] == "👋" * 1000


# --8<-- [start:slow-member]
def test_chat_drops_a_member_that_stops_reading(client: httpx.Client) -> None:
    dropped_before = stats(client)["chat_dropped"]
    line = "界" * 1000  # 3 KB of UTF-8: the longest message the room accepts
    url = ws_url(client)
    with stalled_member(url) as slow, connect(url) as fast:
        assert eventually(lambda: stats(client)["chat_members"] == 2)
        for _ in range(200):  # at most 12 MB in batches; the drop comes sooner
            for _ in range(20):
                fast.send(line)
            for _ in range(20):
                assert json.loads(fast.recv(timeout=10))["text"] == line
            if stats(client)["chat_dropped"] > dropped_before:
                break
        else:
            pytest.fail("the server kept queueing for a member that never read")
        assert stats(client)["chat_members"] == 1
        # The member that keeps up is still served, in order.
        fast.send("after the drop")
        assert json.loads(fast.recv(timeout=10))["text"] == "after the drop"
        slow.socket.shutdown(socket.SHUT_RDWR)


# --8<-- [end:slow-member]

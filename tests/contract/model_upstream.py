"""A fake model for the llm tests: an OpenAI-compatible chat API on 127.0.0.1.

`POST /v1/chat/completions` with `"stream": true` answers as OpenAI's API does:
Server-Sent Events, one `chat.completion.chunk` per token, then `data: [DONE]`. The
test sets how (`reset`): the tokens, the pause before each, an error status, or a
stall after some tokens. Between chunks it watches the socket, so it can tell a
caller that hung up (`cancelled`) from one that read to the end (`completed`); and it
counts the chunks it got into the socket (`sent`), which stop growing when the
caller stops reading.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from scripts.local_server import running
from scripts.polling import eventually


@dataclass
class Script:
    """What the next requests get."""

    tokens: list[str] = field(default_factory=lambda: ["Hello", ",", " world", "!"])
    pause: float = 0.0  # seconds before each chunk
    head_pause: float = 0.0  # seconds before the status line
    status: int = 200  # anything else: an OpenAI-style error body
    stall_after: int | None = None  # send this many tokens, then nothing
    cut_after: int | None = None  # send this many tokens, then hang up
    garble_after: int | None = None  # send this many tokens, then a chunk not JSON


class FakeModel(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.script = Script()
        self.requests: list[dict[str, object]] = []  # each body, with its headers
        self.in_flight = 0
        self.sent = 0  # chunks written, over all requests
        self.completed = 0  # streams sent to the end
        self.cancelled = 0  # streams whose caller hung up first

    @property
    def url(self) -> str:
        """The base URL an OpenAI client takes."""
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def reset(self, script: Script | None = None) -> None:
        """Start a new test's counts once the previous test's streams have ended."""
        if not eventually(lambda: self.in_flight == 0, timeout=10):
            raise AssertionError(f"{self.in_flight} streams still open after 10 s")
        with self.lock:
            self.script = script or Script()
            self.requests.clear()
            self.sent = self.completed = self.cancelled = 0

    def wait_for(self, *, cancelled: int = 0, sent: int = 0, timeout: float = 5) -> bool:
        def reached() -> bool:
            with self.lock:
                return self.cancelled >= cancelled and self.sent >= sent

        return eventually(reached, timeout)


def chunk(delta: dict[str, str], finish: str | None = None) -> bytes:
    payload = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": "fake",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(payload)}\n\n".encode()


class _Handler(BaseHTTPRequestHandler):
    server: FakeModel
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        model = self.server
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with model.lock:
            script = model.script
            body["authorization"] = self.headers.get("Authorization")
            model.requests.append(body)
            model.in_flight += 1
        try:
            if script.head_pause and self.caller_left(script.head_pause):
                with model.lock:
                    model.cancelled += 1
                return
            if script.status != 200:
                self.answer_error(script.status)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            frames = [chunk({"role": "assistant"})]  # as OpenAI's first chunk
            frames += [chunk({"content": token}) for token in script.tokens]
            frames += [chunk({}, "stop"), b"data: [DONE]\n\n"]
            if script.garble_after is not None:
                frames.insert(script.garble_after + 1, b"data: {not json\n\n")
            for count, frame in enumerate(frames):
                if script.cut_after is not None and count > script.cut_after:
                    return  # no last chunk: the stream breaks off
                stalled = script.stall_after is not None and count > script.stall_after
                if self.caller_left(3600 if stalled else script.pause):
                    with model.lock:
                        model.cancelled += 1
                    return
                try:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame))
                    self.wfile.flush()
                except OSError:
                    with model.lock:
                        model.cancelled += 1
                    return
                with model.lock:
                    model.sent += 1
            self.wfile.write(b"0\r\n\r\n")
            with model.lock:
                model.completed += 1
        finally:
            with model.lock:
                model.in_flight -= 1
            self.close_connection = True

    def caller_left(self, wait: float) -> bool:
        """Wait up to `wait` seconds; True as soon as the caller closes its end."""
        readable, _, _ = select.select([self.connection], [], [], wait)
        if not readable:
            return False
        try:
            return not self.connection.recv(1, socket.MSG_PEEK)
        except OSError:
            return True

    def answer_error(self, status: int) -> None:
        error = {"message": "the fake model refuses", "type": "server_error"}
        data = json.dumps({"error": error}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output quiet


@contextlib.contextmanager
def fake_model() -> Iterator[FakeModel]:
    """Run a FakeModel in a background thread for the duration of a `with` block."""
    with running(FakeModel()) as server:
        yield server

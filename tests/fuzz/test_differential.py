"""Differential fuzzing: the same odd request to both runtimes of an example, one answer.

Hypothesis makes requests from each example's routes, then bends them: every method,
odd path encodings (%FF, %2F, //, a trailing slash, case changes, very long segments),
odd query strings (repeated keys, +5, " 5", 5.0, 1_0, empty, non-ASCII), content-type
and content-encoding variants, JSON bodies of every shape, bytes that are no JSON, and
sizes around the 16 KiB body limit. Each goes, byte for byte, to the Python and the
Node server of the same example, which must agree on what a client relies on:

* no 5xx and no dropped connection from either;
* the same status and media type;
* for a problem (RFC 9457), the same `type` and the same error pointers and parameters;
* for a 405, the same Allow methods;
* for a 2xx, the same JSON body, where it is not time- or load-dependent (cpu's
  `rounds`, streaming's /stats and event stream, the OpenAPI documents' wording).

`users` gets sequences of up to four requests on databases emptied before each
sequence, so ids and duplicate emails line up. Every failing case the fuzzer finds is
saved to regressions.json, marked as a known failure, and replayed below as a plain
test case. A known failure's signature says which failing requests it explains (at
first the same disagreements on the same route; widened by hand once the cause is
understood): the fuzzer passes over those to look for other failures, while the
replay keeps failing loudly until the servers agree, and then until the mark goes.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import hashlib
import http.client
import json
import re
import socket
import sqlite3
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote_from_bytes, unquote_to_bytes, urlsplit

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from scripts.servers import RUNTIMES, RunningServer
from tests.fuzz.conftest import EXAMPLES, FUZZ_PROFILE, ServerPool, count_case, fuzz_settings

REGRESSIONS = Path(__file__).with_name("regressions.json")
MAX_BODY_BYTES = 16 * 1024  # both users servers' limit
READ_LIMIT = 1 << 20  # bytes of a response body kept for comparison
TIMEOUT = 30.0  # seconds for one answer; no answer at all is a failure

# --------------------------------------------------------------------------------------
# Requests and answers on the wire
# --------------------------------------------------------------------------------------


RUN = re.compile(r"(.{1,3}?)\1{63,}", re.DOTALL)  # a unit of 1 to 3 characters, 64+ times


def squeeze(text: str) -> str | list[Any]:
    """`text` for regressions.json: long runs as [unit, times], so a 70 KB path stays short."""
    if not RUN.search(text):
        return text
    parts: list[Any] = []
    end = 0
    for run in RUN.finditer(text):
        parts += [text[end : run.start()], [run[1], len(run[0]) // len(run[1])]]
        end = run.end()
    return [*parts, text[end:]]


def unsqueeze(data: str | list[Any]) -> str:
    if isinstance(data, str):
        return data
    return "".join(part if isinstance(part, str) else part[0] * part[1] for part in data)


@dataclass(frozen=True)
class Request:
    """One HTTP/1.1 request, sent exactly as given (no client normalises anything)."""

    method: str
    target: str  # path and query as they go on the request line
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    chunked: bool = False
    route: str = ""  # the route it was made from; says what of a 2xx body must agree

    def wire(self, port: int) -> bytes:
        lines = [f"{self.method} {self.target} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
        lines += [f"{name}: {value}" for name, value in self.headers]
        lines.append("Connection: close")
        payload = b""
        if self.body is not None and self.chunked:
            lines.append("Transfer-Encoding: chunked")
            half = len(self.body) // 2
            for chunk in (self.body[:half], self.body[half:]):
                if chunk:
                    payload += f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
            payload += b"0\r\n\r\n"
        elif self.body is not None:
            lines.append(f"Content-Length: {len(self.body)}")
            payload = self.body
        head = "\r\n".join(lines) + "\r\n\r\n"
        return head.encode("utf-8", "surrogatepass") + payload

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"method": self.method, "target": squeeze(self.target)}
        if self.headers:
            data["headers"] = [list(pair) for pair in self.headers]
        if self.body is not None:
            try:
                data["body"] = squeeze(self.body.decode("utf-8"))
            except UnicodeDecodeError:
                data["body_hex"] = self.body.hex()
        if self.chunked:
            data["chunked"] = True
        data["route"] = self.route
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Request:
        body: bytes | None = None
        if "body" in data:
            body = unsqueeze(data["body"]).encode("utf-8")
        elif "body_hex" in data:
            body = bytes.fromhex(data["body_hex"])
        return cls(
            method=data["method"],
            target=unsqueeze(data["target"]),
            headers=tuple((str(k), str(v)) for k, v in data.get("headers", [])),
            body=body,
            chunked=bool(data.get("chunked", False)),
            route=data.get("route", ""),
        )


@dataclass(frozen=True)
class Answer:
    status: int  # 0: no answer (the connection failed or timed out)
    media_type: str = ""
    allow: frozenset[str] | None = None
    body: bytes = b""
    error: str = ""

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def problem(self) -> dict[str, Any] | None:
        if self.media_type != "application/problem+json":
            return None
        body = self.json()
        return body if isinstance(body, dict) else {}

    def summary(self) -> dict[str, Any]:
        text = self.body[:600].decode("utf-8", "replace")
        data: dict[str, Any] = {"status": self.status, "content_type": self.media_type}
        if self.allow is not None:
            data["allow"] = sorted(self.allow)
        if text:
            data["body"] = text + (" …" if len(self.body) > 600 else "")
        if self.error:
            data["error"] = self.error
        return data


def send(server: RunningServer, request: Request) -> Answer:
    port = int(server.base_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        # The server may answer (413, 415) and stop reading before the body is all sent.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(request.wire(port))
        response = http.client.HTTPResponse(sock, method=request.method)
        try:
            response.begin()
            media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
            allow = response.headers.get("allow")
            # An event stream may run for minutes: its headers are the answer.
            body = b"" if media_type == "text/event-stream" else response.read(READ_LIMIT)
        except (OSError, http.client.HTTPException) as error:
            return Answer(status=0, error=f"{type(error).__name__}: {error}")
        finally:
            response.close()
    methods = None if allow is None else frozenset(m.strip() for m in allow.split(","))
    return Answer(response.status, media_type, methods, body)


# --------------------------------------------------------------------------------------
# What must agree
# --------------------------------------------------------------------------------------

# For a 2xx, which part of the JSON body must agree: everything, some keys, or nothing.
ALL: tuple[str, ...] = ("*",)
NOTHING: tuple[str, ...] = ()
BODY_AGREES: dict[tuple[str, str], tuple[str, ...]] = {
    ("users", "/openapi.json"): NOTHING,  # two generators, one API: test_schemathesis.py
    ("cpu", "/naive"): ("ms",),  # `rounds` counts work done in a wall-clock window
    ("cpu", "/offloaded"): ("ms",),
    ("streaming", "/stats"): NOTHING,  # counts streams, including other tests' streams
    ("telemetry", "/items/{id}"): ("item",),  # each names its own service
}


JSON_TYPES = {"application/json", "application/problem+json"}


def pointers(problem: dict[str, Any], key: str) -> list[str]:
    errors = problem.get("errors")
    if not isinstance(errors, list):
        return []
    return sorted(
        str(error.get(key)) for error in errors if isinstance(error, dict) and key in error
    )


def disagreements(example: str, request: Request, python: Answer, node: Answer) -> list[str]:
    """What a client could tell apart between the two answers; empty when they agree."""
    found: list[str] = []
    answers = {"python": python, "node": node}
    for runtime, answer in answers.items():
        if answer.status == 0:
            found.append(f"{runtime} gave no answer ({answer.error.split(':')[0]})")
        elif answer.status >= 500 and not (
            # fanout's deadline: with an upstream that answers at once, a 504 means only
            # that a short timeout_ms ran out on a loaded machine first.
            example == "fanout" and request.route == "/dashboard" and answer.status == 504
        ):
            found.append(f"{runtime} answered {answer.status}")
    if found:
        return found
    if example == "fanout" and 504 in (python.status, node.status):
        other = node if python.status == 504 else python
        return [] if other.status in (200, 504) else [f"504 against {other.status}"]
    if python.status != node.status:
        return [f"status: python {python.status}, node {node.status}"]
    # A request that is no valid HTTP (a raw non-ASCII request line) never reaches the
    # examples: uvicorn's and Node's parsers answer 400, in text/plain or no type at all.
    # Either way no JSON; which media type then is the HTTP server's business.
    if python.media_type != node.media_type and JSON_TYPES & {python.media_type, node.media_type}:
        found.append(f"media type: python {python.media_type!r}, node {node.media_type!r}")
    problems = python.problem(), node.problem()
    if problems[0] is not None and problems[1] is not None:
        for key in ("type", "status"):
            if problems[0].get(key) != problems[1].get(key):
                found.append(
                    f"problem {key}: python {problems[0].get(key)!r}, node {problems[1].get(key)!r}"
                )
        for key in ("pointer", "parameter"):
            if pointers(problems[0], key) != pointers(problems[1], key):
                found.append(
                    f"error {key}s: python {pointers(problems[0], key)}, "
                    f"node {pointers(problems[1], key)}"
                )
    if python.status == 405 and python.allow != node.allow:
        found.append(f"Allow: python {sorted(python.allow or ())}, node {sorted(node.allow or ())}")
    keys = BODY_AGREES.get((example, request.route), ALL)
    if (
        200 <= python.status < 300
        and python.media_type == node.media_type == "application/json"
        and python.body
        and node.body
        and keys
    ):
        ours, theirs = python.json(), node.json()
        if keys != ALL and isinstance(ours, dict) and isinstance(theirs, dict):
            ours = {key: ours.get(key) for key in keys}
            theirs = {key: theirs.get(key) for key in keys}
        if ours != theirs:
            found.append(
                f"2xx body: python {json.dumps(ours)[:300]}, node {json.dumps(theirs)[:300]}"
            )
    return found


# --------------------------------------------------------------------------------------
# The servers
# --------------------------------------------------------------------------------------


@dataclass
class Pair:
    """Both runtimes' servers of one example, and how to empty their state."""

    example: str
    servers: dict[str, RunningServer]
    databases: list[Path] = field(default_factory=list)

    def reset(self) -> None:
        """Empty users' tables, and restart their ids at 1 (both use AUTOINCREMENT)."""
        for path in self.databases:
            with contextlib.closing(sqlite3.connect(path, timeout=30)) as connection, connection:
                connection.execute("DELETE FROM users")
                connection.execute("DELETE FROM sqlite_sequence WHERE name = 'users'")

    def exchange(self, requests: list[Request]) -> tuple[list[Answer], list[Answer], list[str]]:
        """Send the requests in order to both servers; stop at the first disagreement."""
        self.reset()
        python: list[Answer] = []
        node: list[Answer] = []
        for request in requests:
            python.append(send(self.servers["python"], request))
            node.append(send(self.servers["node"], request))
            count_case(f"differential {self.example}: requests per runtime")
            if found := disagreements(self.example, request, python[-1], node[-1]):
                return python, node, found
        return python, node, []


def pair_of(example: str, pool: ServerPool) -> Pair:
    servers = {runtime: pool.server(runtime, example) for runtime in RUNTIMES}
    databases = [pool.users_database(rt) for rt in RUNTIMES] if example == "users" else []
    return Pair(example, servers, databases)


# --------------------------------------------------------------------------------------
# Known failures and regression cases: tests/fuzz/regressions.json
# --------------------------------------------------------------------------------------


def load_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads(REGRESSIONS.read_text())["cases"]
    return cases


def case_id(example: str, requests: list[Request]) -> str:
    text = json.dumps([example, [r.to_json() for r in requests]], sort_keys=True)
    return f"{example}-{hashlib.sha256(text.encode()).hexdigest()[:10]}"


def save_case(
    example: str,
    requests: list[Request],
    python: list[Answer],
    node: list[Answer],
    found: list[str],
) -> str:
    """Add a failing case to regressions.json, marked as a known failure; return its id."""
    requests = requests[: len(python)]  # the replay stops at the first disagreement too
    ident = case_id(example, requests)
    entry = {
        "id": ident,
        "example": example,
        # What the fuzzer looks past from now on: the same disagreements on the same route.
        "signature": {
            "example": example,
            "route": requests[len(python) - 1].route,
            "disagreements": found,
        },
        "known_failure": (
            f"found by test_differential.py (FUZZ_PROFILE={FUZZ_PROFILE}) on "
            f"{datetime.date.today().isoformat()}; the example servers must be fixed"
        ),
        "requests": [r.to_json() for r in requests],
        "answers": {
            "python": [a.summary() for a in python],
            "node": [a.summary() for a in node],
        },
    }
    # Read, add and write under a lock: pytest-xdist may run two example pairs at once.
    with REGRESSIONS.open("r+") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        data = json.load(file)
        if all(case["id"] != ident for case in data["cases"]):
            data["cases"].append(entry)
            file.seek(0)
            file.truncate()
            file.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return ident


def decodes(path: str) -> bool:
    """Whether JavaScript's decodeURIComponent takes `path`: every % starts an escape,
    and the bytes they make are UTF-8."""
    if re.search(r"%(?![0-9A-Fa-f]{2})", path):
        return False
    try:
        unquote_to_bytes(path).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


UNRESERVED = re.compile(r"%(?:[46][1-9A-Fa-f]|[57][0-9Aa]|3[0-9]|2[DEde]|5[Ff]|7[Ee])")


def facts(
    example: str, request: Request, python: Answer, node: Answer, found: list[str]
) -> dict[str, Any]:
    """What a known failure's signature can name about a failing request."""
    ours = pointers(python.problem() or {}, "pointer")
    theirs = pointers(node.problem() or {}, "pointer")
    return {
        "example": example,
        "route": request.route,
        "method": request.method,
        "target_length": len(request.target),
        # RFC 3986 calls /%68ello and /hello the same: does the path encode such a letter?
        "encodes_unreserved": bool(UNRESERVED.search(request.target.split("?")[0])),
        "encodes_slash": "%2f" in request.target.split("?")[0].lower(),
        "path_decodes": decodes(request.target.split("?")[0]),
        "content_encoding": next(
            (
                value.strip().lower()
                for name, value in request.headers
                if name.lower() == "content-encoding"
            ),
            None,
        ),
        "chunked": request.chunked,
        "body_length": len(request.body or b""),
        "python_status": python.status,
        "node_status": node.status,
        # Error pointers that only one runtime names.
        "python_only_pointers": sorted(set(ours) - set(theirs)),
        "node_only_pointers": sorted(set(theirs) - set(ours)),
        "disagreements": found,
    }


def matches(signature: dict[str, Any], seen: dict[str, Any]) -> bool:
    """Whether `seen` (see facts) fits a signature: `key` is equal to its value,
    `key_in` one of its values, `key_at_least` at least its value."""
    for key, want in signature.items():
        if key.endswith("_in"):
            if seen[key.removesuffix("_in")] not in want:
                return False
        elif key.endswith("_at_least"):
            if seen[key.removesuffix("_at_least")] < want:
                return False
        elif seen[key] != want:
            return False
    return True


def known_failure(seen: dict[str, Any]) -> str | None:
    """The id of the known failure or documented difference whose signature the
    failing request fits, if any."""
    for case in load_cases():
        explained = case.get("known_failure") or case.get("difference")
        if explained and matches(case["signature"], seen):
            return str(case["id"])
    return None


def describe(
    requests: list[Request], python: list[Answer], node: list[Answer], found: list[str]
) -> str:
    lines = [f"  {'; '.join(found)}"]
    for index, request in enumerate(requests[: len(python)]):
        lines.append(
            f"  request {index + 1}: {json.dumps(request.to_json(), ensure_ascii=False)[:700]}"
        )
        lines.append(f"    python: {json.dumps(python[index].summary(), ensure_ascii=False)[:500]}")
        lines.append(f"    node:   {json.dumps(node[index].summary(), ensure_ascii=False)[:500]}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------
# Request strategies
# --------------------------------------------------------------------------------------

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
ROUTES: dict[str, tuple[str, ...]] = {
    "hello": ("/healthz", "/hello"),
    "users": ("/healthz", "/openapi.json", "/users", "/users/{id}"),
    "cpu": ("/healthz", "/naive", "/offloaded"),
    "fanout": ("/healthz", "/dashboard"),
    "streaming": ("/healthz", "/stats", "/events"),
    "telemetry": ("/healthz", "/items/{id}", "/metrics"),
    "auth": ("/healthz", "/accounts", "/accounts/{id}", "/sessions", "/me"),
    "llm": ("/healthz", "/chat"),
}
# Paths no example routes: both runtimes must answer them alike too.
PROBES = ("/", "/nope", "/openapi.json", "/docs", "/redoc", "/favicon.ico", "/chat")
PARAMETERS: dict[str, tuple[str, ...]] = {
    "hello": ("name",),
    "users": ("limit", "cursor"),
    "cpu": ("ms",),
    "fanout": ("timeout_ms",),
    "streaming": ("count", "interval_ms", "pad"),
    "telemetry": ("q",),  # it takes none: any query is ignored alike
    "auth": ("q",),
    "llm": ("q",),
}
# Integers at each example's limits, as they go on the wire.
BOUNDARIES: dict[str, tuple[str, ...]] = {
    "hello": ("0", "1"),
    "users": ("0", "1", "2", "20", "99", "100", "101"),
    "cpu": ("0", "1", "9", "10", "100", "5001"),  # 5000 is valid: 5 s of work, too slow
    "fanout": ("0", "49", "50", "99", "999", "1000", "5000", "5001"),
    "streaming": ("0", "1", "2", "1000", "1001", "65536", "65537"),
    "telemetry": ("0", "1"),
    "auth": ("0", "1"),
    "llm": ("0", "1"),
}
ODD_NUMBERS = (
    "+5", "%2B5", "%205", "5%20", "5.0", "1.5", "1_0", "05", "1e2",
    "-1", "-0", "0x10", "%D9%A5", "%EF%BC%95", "5%0A", "%005", "99999999999999999999",
    "", "%", "%FF", "%C3%A9", "Infinity", "NaN", "true", "[]",
)  # fmt: skip
USER_IDS = (
    "1", "2", "3", "0", "-1", "01", "1.0", "1e0", "%201", "+1", "%2B1", "abc", "%FF",
    "%C3%28", "%", "%EF%BC%91", "9007199254740991", "9007199254740992",
    "99999999999999999", "18446744073709551616", "1%2F2", "1;x", "1%00",
)  # fmt: skip


def percent_encoded(text: str) -> str:
    """`text` as a URL component; a lone surrogate becomes bytes that are no UTF-8."""
    return quote_from_bytes(text.encode("utf-8", "surrogatepass"), safe="")


URL_SAFE = string.ascii_letters + string.digits + "-._~!$'()*,:@/"


@st.composite
def paths(draw: st.DrawFn, example: str) -> tuple[str, str]:
    """A route of the example (or a probe), then maybe bent; returns (route, path)."""
    # The example's own routes three times in four; a probe (a path it lacks) otherwise.
    routes = ROUTES[example] if draw(st.integers(0, 3)) else PROBES
    route = draw(st.sampled_from(routes))
    path = route
    if "{id}" in path:
        user_id = draw(st.one_of(st.sampled_from(USER_IDS), st.integers(1, 6).map(str)))
        path = path.replace("{id}", user_id)
    bend = draw(
        st.sampled_from(
            [None] * 13  # half the paths as the route has them
            + [
                "trailing-slash",
                "double-slash",
                "inner-double-slash",
                "upper",
                "capital",
                "percent-char",
                "encoded-slash",
                "bad-utf8",
                "long-segment",
                "dot-segment",
                "matrix",
                "encoded-query",
                "raw-non-ascii",
            ]
        )
    )
    if bend == "trailing-slash":
        path += "/"
    elif bend == "double-slash":
        path = "/" + path
    elif bend == "inner-double-slash":
        path = path[:1] + path[1:].replace("/", "//", 1) if "/" in path[1:] else path + "//x"
    elif bend == "upper":
        path = path.upper()
    elif bend == "capital":
        path = path[:1] + path[1:2].upper() + path[2:]
    elif bend == "percent-char":
        letters = [i for i, char in enumerate(path) if char.isalnum()]
        if letters:
            i = draw(st.sampled_from(letters))
            code = f"%{ord(path[i]):02X}"
            path = path[:i] + (code.lower() if draw(st.booleans()) else code) + path[i + 1 :]
    elif bend == "encoded-slash":
        path = path[:1] + path[1:].replace("/", "%2F", 1) if "/" in path[1:] else path + "%2Fx"
    elif bend == "bad-utf8":
        path += draw(st.sampled_from(["/%FF", "%FF", "/%C3%28", "/%E0%80%80", "/%", "/%G1", "%00"]))
    elif bend == "long-segment":
        length = draw(st.sampled_from([255, 1_000, 4_096, 8_000, 16_500, 70_000]))
        path += draw(st.sampled_from(["", "/"])) + draw(st.sampled_from(["a", "9", "%61"])) * length
    elif bend == "dot-segment":
        path = draw(st.sampled_from(["/.", "/x/..", "/%2E", "/%2e%2e/x"])) + path
    elif bend == "matrix":
        path += ";x=1"
    elif bend == "encoded-query":
        path += "%3Fx=1"
    elif bend == "raw-non-ascii":
        path += draw(st.sampled_from(["é", "👋", "\u00a0"]))
    return route, path


@st.composite
def query_strings(draw: st.DrawFn, example: str) -> str:
    known = PARAMETERS[example]
    name = st.one_of(
        st.sampled_from(known),
        st.sampled_from(known).map(str.upper),
        st.sampled_from(known).map(lambda n: n[:-1] + f"%{ord(n[-1]):02x}"),
        st.sampled_from(["x", "", "%FF", "a+b", f"{known[0]}[]", f"{known[0]}%5B%5D"]),
    )
    value = st.one_of(
        st.sampled_from(BOUNDARIES[example]),
        st.sampled_from(ODD_NUMBERS),
        st.integers(1, 12).map(str),
        st.text(max_size=45).map(percent_encoded),
        st.text(URL_SAFE, max_size=20),
        st.sampled_from(["é", "👋", "%F0%9F%91%8B" * 40, "%F0%9F%91%8B" * 41, "x" * 40, "x" * 41]),
        st.sampled_from(["MQ", "MA", "MjA", "Mg==", "MQ=", "AA", "_w", "OTAwNzE5OTI1NDc0MDk5Mg"]),
    )
    pair = st.one_of(
        st.tuples(name, value).map(lambda kv: f"{kv[0]}={kv[1]}"),
        name,  # a bare key, no "="
    )
    items = draw(st.lists(pair, max_size=4))
    if not items and draw(st.booleans()):
        return draw(st.sampled_from(["", "?", "?&", "?="]))
    if not items:
        return ""
    return "?" + draw(st.sampled_from(["&", "&", "&", "&&", ";"])).join(items)


CONTENT_TYPES = (
    "application/json",
    "APPLICATION/JSON",
    "application/json; charset=utf-8",
    "application/json;charset=latin-1",
    " application/json ",
    "application/json, text/plain",
    "application/jsonx",
    "application/merge-patch+json",
    "application/problem+json",
    "text/json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "",
)
CONTENT_ENCODINGS = (
    "gzip", "br", "deflate", "identity", "IDENTITY", "identity ", "x-unknown", "gzip, identity", "",
)  # fmt: skip

# Values that say something about a users body: valid, at a limit, or wrong.
VALID_EMAILS = st.integers(1, 4).map(lambda n: f"user{n}@example.com")  # 4: duplicates
EMAILS = st.one_of(
    VALID_EMAILS,
    st.sampled_from(
        [
            "USER1@EXAMPLE.COM",
            "not-an-email",
            "a@b",
            "a@-b.com",
            " a@example.com",
            "a@example.com\n",
            "a@example.com\u0000",
            "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 57,  # 250 characters
            "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 62,  # 255 characters
            "é@example.com",
            "",
        ]
    ),
)
NAMES = st.one_of(
    st.sampled_from(
        [
            "Ada",
            "A",
            "Ab",
            "x" * 100,
            "x" * 101,
            "👋" * 100,
            "👋" * 101,
            "e\u0301" * 50,
            "tab\there",
            "nul\u0000",
            "del\u007f",
            "nel\u0085",
            "lone \ud800",
            "zero\u200bwidth",
            "  ",
        ]
    ),
    st.text(max_size=12),
)
JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**20, max_value=10**400),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=10,
)
UNKNOWN_FIELDS = st.sampled_from(
    ["id", "role", "is/admin", "a~b", "__proto__", "constructor", "", "Email"]
)


@st.composite
def user_objects(draw: st.DrawFn) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if draw(st.booleans()):
        body["email"] = draw(st.one_of(EMAILS, JSON_SCALARS)) if draw(st.integers(0, 4)) else None
    if draw(st.booleans()):
        body["name"] = draw(st.one_of(NAMES, JSON_SCALARS)) if draw(st.integers(0, 4)) else None
    for key in draw(st.lists(UNKNOWN_FIELDS, max_size=2)):
        body[key] = draw(JSON_VALUES)
    return body


def sized(total: int) -> bytes:
    """A create body of exactly `total` bytes (its name is as long as it takes)."""
    head, tail = b'{"email": "big@example.com", "name": "', b'"}'
    return head + b"x" * (total - len(head) - len(tail)) + tail


RAW_JSON = (
    b"", b" ", b"null", b"[]", b"{}", b'{"email": "a@example.com", "name": NaN}',
    b'{"email": "a@example.com", "name": 1e999}', b'{"email": "a@example.com", "name": -0}',
    b'{"email": "user1@example.com", "name": "Ada", "name": 5}', b'{"__proto__": {"x": 1}}',
    b'{"email": "user1@example.com", "name": "Ada"', b"[1,]", b"\xef\xbb\xbf{}",
    b'{"name": "\\ud800\\udc00x"}', b'{"name": "\\ud800x"}', b"{\"name\": \"Ada\"}\x00",
    b"[" * 33 + b"]" * 33, b"[" * 32 + b"]" * 32, b'"just a string"', b"12",
)  # fmt: skip


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["user", "user", "json", "raw", "bytes", "sized"]))
    if kind == "raw":
        return draw(st.sampled_from(RAW_JSON))
    if kind == "bytes":
        return draw(st.binary(max_size=64))
    if kind == "sized":
        return sized(
            draw(
                st.sampled_from(
                    [MAX_BODY_BYTES - 1, MAX_BODY_BYTES, MAX_BODY_BYTES + 1, 3 * MAX_BODY_BYTES]
                )
            )
        )
    value = draw(user_objects()) if kind == "user" else draw(JSON_VALUES)
    text = json.dumps(value, ensure_ascii=draw(st.booleans()))
    encoded = text.encode("utf-8", "surrogatepass")
    cut = draw(st.sampled_from([None] * 6 + ["truncate", "trailing"]))
    if cut == "truncate" and encoded:
        encoded = encoded[: draw(st.integers(0, len(encoded) - 1))]
    elif cut == "trailing":
        encoded += draw(st.sampled_from([b" ", b"\n", b"x", b"}", b"\x00"]))
    return encoded


@st.composite
def requests(draw: st.DrawFn, example: str) -> Request:
    route, path = draw(paths(example))
    target = path + draw(query_strings(example))
    # Content-creating requests more often on users' collection, where they mean most.
    writes = example == "users" and route in ("/users", "/users/{id}")
    method = draw(st.sampled_from(("POST", "PATCH") if writes and draw(st.booleans()) else METHODS))
    headers: list[tuple[str, str]] = []
    content_type = draw(
        st.one_of(st.none(), st.just("application/json"), st.sampled_from(CONTENT_TYPES))
    )
    if content_type is not None:
        headers.append(("Content-Type", content_type))
    if draw(st.integers(0, 5)) == 5:
        headers.append(("Content-Encoding", draw(st.sampled_from(CONTENT_ENCODINGS))))
    body = draw(st.one_of(st.none(), bodies())) if method != "HEAD" else None
    chunked = body is not None and draw(st.integers(0, 7)) == 7
    return Request(method, target, tuple(headers), body, chunked, route)


def bounded(example: str, request: Request) -> bool:
    """Whether the request finishes in good time on both servers.

    cpu's valid `ms` burns CPU for that many milliseconds per runtime: keep it small.
    """
    if example != "cpu":
        return True
    query = urlsplit(request.target).query
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key == "ms" and re.fullmatch(r"[0-9]+", value) and int(value) > 200:
            return False
    return True


@st.composite
def valid_creates(draw: st.DrawFn) -> Request:
    """A create that succeeds (or, for an email taken, is a 409): users needs rows."""
    body = {"email": draw(VALID_EMAILS), "name": "Ada"}
    headers = (("Content-Type", "application/json"),)
    return Request("POST", "/users", headers, json.dumps(body).encode(), route="/users")


def sequences(example: str) -> st.SearchStrategy[list[Request]]:
    """Up to four requests on users (they share a database), one elsewhere."""
    if example != "users":
        return st.lists(requests(example), min_size=1, max_size=1)
    return st.lists(st.one_of(requests(example), valid_creates()), min_size=1, max_size=4)


# --------------------------------------------------------------------------------------
# The tests
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("example", EXAMPLES)
def test_both_runtimes_answer_alike(example: str, server_pool: ServerPool) -> None:
    """Hypothesis' property: every generated sequence gets answers that agree."""
    pair = pair_of(example, server_pool)
    failures: list[tuple[list[Request], list[Answer], list[Answer], list[str]]] = []

    @fuzz_settings("differential")
    @given(sequence=sequences(pair.example))
    def property_(sequence: list[Request]) -> None:
        assume(all(bounded(pair.example, request) for request in sequence))
        count_case(f"differential {pair.example}: cases (request sequences)")
        python, node, found = pair.exchange(sequence)
        if not found:
            return
        # A known failure (regressions.json) is replayed, and fails, below; look past it.
        last = len(python) - 1
        if known_failure(facts(pair.example, sequence[last], python[last], node[last], found)):
            return
        failures.append((sequence, python, node, found))
        raise AssertionError("the runtimes disagree:\n" + describe(sequence, python, node, found))

    try:
        property_()
    except BaseException:
        if failures:  # Hypothesis' last call replays the smallest failing case it found
            sequence, python, node, found = failures[-1]
            ident = save_case(pair.example, sequence, python, node, found)
            pytest.fail(
                f"{pair.example}: the runtimes disagree; saved to {REGRESSIONS.name} as "
                f"{ident}:\n{describe(sequence, python, node, found)}",
                pytrace=False,
            )
        raise


@pytest.mark.parametrize("case", [pytest.param(case, id=case["id"]) for case in load_cases()])
def test_regression_case(case: dict[str, Any], server_pool: ServerPool) -> None:
    """Every case the fuzzer once failed on, replayed: the two runtimes must agree.

    A case marked `known_failure` is a defect found and not fixed yet: it fails loudly
    while the runtimes still disagree, and also once they agree, until the mark goes.
    A case marked `difference` is one the page documents: it fails once it is gone.
    """
    sequence = [Request.from_json(request) for request in case["requests"]]
    python, node, found = pair_of(case["example"], server_pool).exchange(sequence)
    if case.get("difference"):
        # A documented difference: it must still be there, and still be this one.
        assert found, f"{case['id']}: the runtimes now agree; update the page and drop it"
        last = len(python) - 1
        seen = facts(case["example"], sequence[last], python[last], node[last], found)
        assert matches(case["signature"], seen), (
            f"{case['id']} differs otherwise now:\n" + describe(sequence, python, node, found)
        )
        return
    if case.get("known_failure"):
        if found:
            pytest.fail(
                f"KNOWN FAILURE {case['id']} ({case['known_failure']}):\n"
                + describe(sequence, python, node, found),
                pytrace=False,
            )
        pytest.fail(
            f"{case['id']} is fixed: the runtimes now agree. Remove its `known_failure` "
            f"in {REGRESSIONS.name}, so it stays a plain regression case.",
            pytrace=False,
        )
    assert not found, "the runtimes disagree again:\n" + describe(sequence, python, node, found)


def test_each_example_has_a_route_table() -> None:
    assert set(ROUTES) == set(PARAMETERS) == set(BOUNDARIES) == set(EXAMPLES)

"""The users contract: one suite, both runtimes, SQLite and PostgreSQL, every bad input.

Each case is asserted identically against the Python and the Node server. At the end,
the database must hold exactly the rows that the successful requests created.
"""

import json
import re
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from scripts.servers import RunningServer, ServerStartError, running_server
from tests.contract.databases import PostgresDatabase, SqliteDatabase

JSON = {"content-type": "application/json"}
MAX_BODY_BYTES = 16 * 1024


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database(
    request: pytest.FixtureRequest, runtime: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SqliteDatabase | PostgresDatabase]:
    if request.param == "sqlite":
        db: SqliteDatabase | PostgresDatabase = SqliteDatabase(
            tmp_path_factory.mktemp(runtime) / "users.db"
        )
    else:
        # Requested here, not as an argument, so that SQLite-only runs start no server.
        db = PostgresDatabase.create(request.getfixturevalue("postgres_admin_url"))
    yield db
    db.close()


@pytest.fixture(scope="module")
def server_env(database: SqliteDatabase | PostgresDatabase) -> dict[str, str]:
    return {"DATABASE_URL": database.url}


@pytest.fixture(scope="module")
def ledger(database: SqliteDatabase | PostgresDatabase) -> dict[int, tuple[str, str]]:
    """The rows the successful requests against this database created, not deleted since."""
    return {}


def create(
    client: httpx.Client, ledger: dict[int, tuple[str, str]], email: str, name: str
) -> dict[str, Any]:
    response = client.post("/users", json={"email": email, "name": name})
    assert response.status_code == 201, response.text
    user: dict[str, Any] = response.json()
    ledger[user["id"]] = (user["email"], user["name"])
    return user


def assert_problem(
    response: httpx.Response,
    status: int,
    type_: str = "about:blank",
    *,
    pointers: set[str] | None = None,
    parameters: set[str] | None = None,
) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"] == type_
    assert body["status"] == status
    assert body["title"]
    if pointers is not None:
        assert {error["pointer"] for error in body["errors"]} == pointers
    if parameters is not None:
        assert {error["parameter"] for error in body["errors"]} == parameters
    assert "Traceback" not in response.text
    return body


VALIDATION = "/problems/validation-error"
MALFORMED = "/problems/malformed-json"
VALID = {"email": "valid@example.com", "name": "Valid Name"}


def raw(body: bytes, content_type: str | None = "application/json") -> dict[str, Any]:
    return {"content": body, "headers": {"content-type": content_type} if content_type else {}}


# (request kwargs, status, problem type, error pointers)
BadInput = tuple[dict[str, Any], int, str, set[str] | None]
BAD_BODIES: dict[str, BadInput] = {
    "malformed-json": (raw(b'{"email": "a@example.com", "name": '), 400, MALFORMED, None),
    "empty-body": (raw(b""), 400, MALFORMED, None),
    "nan-is-not-json": (raw(b'{"email": "a@example.com", "name": NaN}'), 400, MALFORMED, None),
    "invalid-utf8": (raw(b'{"email": "a@example.com", "name": "\xff\xfe"}'), 400, MALFORMED, None),
    "byte-order-mark": (raw(b"\xef\xbb\xbf" + json.dumps(VALID).encode()), 400, MALFORMED, None),
    "wrong-content-type": (raw(json.dumps(VALID).encode(), "text/plain"), 415, "about:blank", None),
    "no-content-type": (raw(json.dumps(VALID).encode(), None), 415, "about:blank", None),
    "form-encoded": (
        raw(b"email=a%40example.com&name=Ada", "application/x-www-form-urlencoded"),
        415,
        "about:blank",
        None,
    ),
    "not-an-object": ({"json": [VALID]}, 422, VALIDATION, {""}),
    "missing-field": ({"json": {"name": "Ada"}}, 422, VALIDATION, {"/email"}),
    "missing-both": ({"json": {}}, 422, VALIDATION, {"/email", "/name"}),
    "extra-field": ({"json": {**VALID, "role": "admin"}}, 422, VALIDATION, {"/role"}),
    "extra-fields-each-reported": (
        {"json": {**VALID, "id": 1, "is/admin": True}},
        422,
        VALIDATION,
        {"/id", "/is~1admin"},
    ),
    "wrong-type": ({"json": {**VALID, "name": 123}}, 422, VALIDATION, {"/name"}),
    "null-name": ({"json": {**VALID, "name": None}}, 422, VALIDATION, {"/name"}),
    "invalid-email": ({"json": {**VALID, "email": "not-an-email"}}, 422, VALIDATION, {"/email"}),
    "email-with-space": (
        {"json": {**VALID, "email": "a b@example.com"}},
        422,
        VALIDATION,
        {"/email"},
    ),
    "email-too-long": (
        {"json": {**VALID, "email": "a" * 245 + "@example.com"}},
        422,
        VALIDATION,
        {"/email"},
    ),
    "name-too-short": ({"json": {**VALID, "name": "A"}}, 422, VALIDATION, {"/name"}),
    "name-too-long": ({"json": {**VALID, "name": "A" * 101}}, 422, VALIDATION, {"/name"}),
    "name-101-emoji": ({"json": {**VALID, "name": "👋" * 101}}, 422, VALIDATION, {"/name"}),
    "name-control-character": (
        {"json": {**VALID, "name": "Ada\u0000"}},
        422,
        VALIDATION,
        {"/name"},
    ),
    "name-unpaired-surrogate": (
        raw(b'{"email": "valid@example.com", "name": "Ada \\ud800"}'),
        422,
        VALIDATION,
        {"/name"},
    ),
    "body-over-limit": (
        raw(b'{"name": "' + b"x" * (MAX_BODY_BYTES - 10) + b'"}'),
        413,
        "about:blank",
        None,
    ),
}


@pytest.mark.parametrize("case", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_create_rejects_bad_input(client: httpx.Client, case: BadInput) -> None:
    kwargs, status, type_, pointers = case
    assert_problem(client.post("/users", **kwargs), status, type_, pointers=pointers)


def test_a_body_exactly_at_the_limit_is_read_and_validated(client: httpx.Client) -> None:
    body = b'{"email": "limit@example.com", "name": "'
    body += b"x" * (MAX_BODY_BYTES - len(body) - 2) + b'"}'
    assert len(body) == MAX_BODY_BYTES
    assert_problem(client.post("/users", **raw(body)), 422, VALIDATION, pointers={"/name"})


@pytest.mark.parametrize(
    "name",
    [
        "Zoë Łukasiewicz",
        "山田 太郎",
        "👩🏽‍💻 Ada",
        "👋" * 100,
        "Robert'); DROP TABLE users;--",
        "<script>alert(1)</script>",
        "  spaced  ",
    ],
    ids=["accents", "cjk", "emoji-zwj", "100-emoji", "sql-injection", "html", "whitespace-kept"],
)
def test_create_stores_names_verbatim(
    client: httpx.Client, ledger: dict[int, tuple[str, str]], name: str
) -> None:
    email = f"verbatim{len(ledger)}@example.com"
    user = create(client, ledger, email, name)
    assert user["name"] == name
    fetched = client.get(f"/users/{user['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == {"id": user["id"], "email": email, "name": name}


def test_create_answers_201_with_location(
    client: httpx.Client, ledger: dict[int, tuple[str, str]]
) -> None:
    user = create(client, ledger, "Grace.Hopper@Example.COM", "Grace Hopper")
    assert user == {"id": user["id"], "email": "grace.hopper@example.com", "name": "Grace Hopper"}
    response = client.get(f"/users/{user['id']}")
    assert response.json() == user


def test_duplicate_email_is_409_whatever_its_case(
    client: httpx.Client, ledger: dict[int, tuple[str, str]]
) -> None:
    create(client, ledger, "twin@example.com", "First Twin")
    for email in ("twin@example.com", "TWIN@example.com"):
        response = client.post("/users", json={"email": email, "name": "Second Twin"})
        assert_problem(response, 409, "/problems/duplicate-email")


def test_unknown_id_is_404(client: httpx.Client) -> None:
    assert_problem(client.get("/users/999999"), 404)


@pytest.mark.parametrize(
    "user_id",
    ["abc", "1.5", "-1", "0", "0x1", "1e3", "%20", "99999999999999999999", "9007199254740992"],
)
def test_malformed_id_is_404(client: httpx.Client, user_id: str) -> None:
    for method in ("GET", "DELETE"):
        assert_problem(client.request(method, f"/users/{user_id}"), 404)
    assert_problem(client.patch(f"/users/{user_id}", json={"name": "Nobody"}), 404)


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=abc", "limit"),
        ("limit=1.5", "limit"),
        ("limit=-1", "limit"),
        ("limit=", "limit"),
        ("limit=%205", "limit"),
        ("limit=007", "limit"),
        ("cursor=not-a-cursor!", "cursor"),
        ("cursor=YWJj", "cursor"),
        ("cursor=MQ==", "cursor"),
        ("cursor=", "cursor"),
        ("cursor=OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "cursor"),
    ],
)
def test_bad_pagination_is_422(client: httpx.Client, query: str, parameter: str) -> None:
    assert_problem(client.get(f"/users?{query}"), 422, VALIDATION, parameters={parameter})


def test_pagination_walks_every_user_once_in_id_order(
    client: httpx.Client, ledger: dict[int, tuple[str, str]]
) -> None:
    for number in range(5):
        create(client, ledger, f"page{number}@example.com", f"Page {number}")
    seen, cursor, pages = [], None, 0
    while True:
        response = client.get(
            "/users", params={"limit": 2, **({"cursor": cursor} if cursor else {})}
        )
        assert response.status_code == 200
        body = response.json()
        assert len(body["items"]) <= 2
        seen += [user["id"] for user in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(ledger)
    assert pages == -(-len(ledger) // 2)


@pytest.mark.parametrize("query", ["limit=abc&limit=1", "limit=1&limit=1", "cursor=&cursor="])
def test_a_repeated_parameter_is_a_422(client: httpx.Client, query: str) -> None:
    response = client.get(f"/users?{query}")
    assert_problem(response, 422, VALIDATION)
    name = query.split("=")[0]
    assert response.json()["errors"] == [{"parameter": name, "detail": "must be given once"}]


def test_update(client: httpx.Client, ledger: dict[int, tuple[str, str]]) -> None:
    user = create(client, ledger, "before@example.com", "Before")
    response = client.patch(f"/users/{user['id']}", json={"name": "After"})
    assert response.status_code == 200
    assert response.json() == {**user, "name": "After"}
    response = client.patch(f"/users/{user['id']}", json={"email": "AFTER@example.com"})
    assert response.json() == {"id": user["id"], "email": "after@example.com", "name": "After"}
    ledger[user["id"]] = ("after@example.com", "After")


BAD_UPDATES: dict[str, BadInput] = {
    "empty-object": ({"json": {}}, 422, VALIDATION, {""}),
    "null-name": ({"json": {"name": None}}, 422, VALIDATION, {"/name"}),
    "null-email": ({"json": {"email": None}}, 422, VALIDATION, {"/email"}),
    "extra-field": ({"json": {"name": "Ok Name", "id": 7}}, 422, VALIDATION, {"/id"}),
    "name-too-short": ({"json": {"name": "A"}}, 422, VALIDATION, {"/name"}),
    "malformed-json": (raw(b'{"name": '), 400, MALFORMED, None),
    "wrong-content-type": (raw(b'{"name": "Ok Name"}', "text/plain"), 415, "about:blank", None),
}


@pytest.mark.parametrize("case", BAD_UPDATES.values(), ids=BAD_UPDATES.keys())
def test_update_rejects_bad_input(
    client: httpx.Client, ledger: dict[int, tuple[str, str]], case: BadInput
) -> None:
    user = create(client, ledger, f"patch{len(ledger)}@example.com", "Patch Target")
    kwargs, status, type_, pointers = case
    response = client.patch(f"/users/{user['id']}", **kwargs)
    assert_problem(response, status, type_, pointers=pointers)
    assert client.get(f"/users/{user['id']}").json() == user  # nothing changed


def test_update_to_a_taken_email_is_409(
    client: httpx.Client, ledger: dict[int, tuple[str, str]]
) -> None:
    create(client, ledger, "taken@example.com", "Owner")
    user = create(client, ledger, "other@example.com", "Other")
    response = client.patch(f"/users/{user['id']}", json={"email": "Taken@example.com"})
    assert_problem(response, 409, "/problems/duplicate-email")
    same = client.patch(f"/users/{user['id']}", json={"email": "other@example.com"})
    assert same.status_code == 200  # keeping your own email is no conflict


def test_delete(client: httpx.Client, ledger: dict[int, tuple[str, str]]) -> None:
    user = create(client, ledger, "gone@example.com", "Soon Gone")
    response = client.delete(f"/users/{user['id']}")
    assert response.status_code == 204
    assert response.content == b""
    del ledger[user["id"]]
    assert_problem(client.get(f"/users/{user['id']}"), 404)
    assert_problem(client.delete(f"/users/{user['id']}"), 404)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/users/1", {"GET", "HEAD", "PATCH", "DELETE"}),
        ("POST", "/users/1", {"GET", "HEAD", "PATCH", "DELETE"}),
        ("DELETE", "/users", {"GET", "HEAD", "POST"}),
        ("PATCH", "/users", {"GET", "HEAD", "POST"}),
        ("POST", "/healthz", {"GET", "HEAD"}),
        ("TRACE", "/healthz", {"GET", "HEAD"}),
        ("PUT", "/openapi.json", {"GET", "HEAD"}),
        ("OPTIONS", "/openapi.json", {"GET", "HEAD"}),
    ],
)
def test_wrong_method_is_405_with_every_allowed_method(
    client: httpx.Client, method: str, path: str, allowed: set[str]
) -> None:
    response = client.request(method, path)
    assert_problem(response, 405)
    assert {m.strip() for m in response.headers["allow"].split(",")} == allowed


@pytest.mark.parametrize("path", ["/nope", "/users/1/extra", "/Users", "/users/"])
def test_unknown_route_is_404(client: httpx.Client, path: str) -> None:
    assert_problem(client.get(path), 404)


SECURITY_HEADERS = {
    "content-security-policy": "default-src 'none';frame-ancestors 'none'",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "origin-agent-cluster": "?1",
    "referrer-policy": "no-referrer",
    "strict-transport-security": "max-age=31536000; includeSubDomains",
    "x-content-type-options": "nosniff",
    "x-dns-prefetch-control": "off",
    "x-download-options": "noopen",
    "x-frame-options": "SAMEORIGIN",
    "x-permitted-cross-domain-policies": "none",
    "x-xss-protection": "0",
}


@pytest.mark.parametrize("path", ["/healthz", "/users/999999", "/nope"])
def test_security_headers_on_every_response(client: httpx.Client, path: str) -> None:
    headers = client.get(path).headers
    assert {name: headers.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS
    assert "x-powered-by" not in headers
    assert "server" not in headers


def test_request_id_is_echoed_and_logged(client: httpx.Client, server: RunningServer) -> None:
    response = client.get("/users/999999", headers={"x-request-id": "trace-abc.123"})
    assert response.headers["x-request-id"] == "trace-abc.123"
    forged = client.get("/healthz", headers={"x-request-id": 'x" {"level": "error"}'})
    assert re.fullmatch(r"[0-9a-f-]{36}", forged.headers["x-request-id"])
    printed = server.wait_for_output("trace-abc.123")
    lines = [json.loads(line) for line in printed.splitlines() if line.startswith("{")]
    logged = [line for line in lines if line.get("request_id") == "trace-abc.123"]
    assert len(logged) == 1
    assert logged[0]["event"] == "request"
    assert logged[0]["level"] == "info"
    assert (logged[0]["method"], logged[0]["path"], logged[0]["status"]) == (
        "GET",
        "/users/999999",
        404,
    )
    assert isinstance(logged[0]["duration_ms"], int | float)
    assert "timestamp" in logged[0]


def test_openapi_describes_the_same_api(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    operations = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert operations == {
        ("/healthz", "get"),
        ("/users", "get"),
        ("/users", "post"),
        ("/users/{user_id}", "get"),
        ("/users/{user_id}", "patch"),
        ("/users/{user_id}", "delete"),
    }
    body = spec["paths"]["/users"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    if "$ref" in body:
        body = spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert set(body["required"]) == {"email", "name"}
    assert body["additionalProperties"] is False
    for path, method in operations - {("/healthz", "get")}:
        problem = spec["paths"][path][method]["responses"]["4XX"]
        assert "application/problem+json" in problem["content"]


@pytest.mark.parametrize("path", ["/users", "/users/1", "/healthz", "/openapi.json"])
def test_head_answers_like_get_without_a_body(client: httpx.Client, path: str) -> None:
    get, head = client.get(path), client.head(path)
    assert head.status_code == get.status_code
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
@pytest.mark.parametrize("segment", ["%FF", "%C3%28", "%E0%80%80", "%"])
def test_an_undecodable_id_names_no_user(client: httpx.Client, method: str, segment: str) -> None:
    response = client.request(method, f"/users/{segment}", json={"name": "Some Name"})
    assert_problem(response, 404)


@pytest.mark.parametrize("encoding", ["gzip", "br", "deflate", "x-unknown"])
def test_a_compressed_body_is_a_415_that_says_what_to_send(
    client: httpx.Client, encoding: str
) -> None:
    body = json.dumps({"email": f"{encoding}@example.com", "name": "Packed"}).encode()
    response = client.post("/users", content=body, headers={**JSON, "content-encoding": encoding})
    assert_problem(response, 415)
    assert response.headers["accept-encoding"] == "identity"  # RFC 7694


def test_a_content_encoding_without_a_body_changes_nothing(client: httpx.Client) -> None:
    assert client.get("/users", headers={"content-encoding": "gzip"}).status_code == 200


def nested(depth: int) -> str:
    """A create body whose name is arrays nested to `depth` levels in all."""
    arrays = depth - 1  # the body object is the first level
    return '{"email": "deep@example.com", "name": ' + "[" * arrays + "]" * arrays + "}"


def test_json_nested_up_to_32_levels_is_parsed_then_validated(client: httpx.Client) -> None:
    response = client.post("/users", content=nested(32), headers=JSON)
    assert_problem(response, 422, VALIDATION, pointers={"/name"})


@pytest.mark.parametrize("depth", [33, 1_000, MAX_BODY_BYTES // 2 - 40])
def test_json_nested_deeper_than_32_levels_is_a_400(client: httpx.Client, depth: int) -> None:
    response = client.post("/users", content=nested(depth), headers=JSON)
    body = assert_problem(response, 400, "/problems/malformed-json")
    assert body["detail"] == "The body nests deeper than 32 levels."


@pytest.mark.parametrize("digits", [20, 4_301, 10_000])
def test_a_number_of_any_length_is_json_and_the_wrong_type(
    client: httpx.Client, digits: int
) -> None:
    # Python's int() refuses over 4,300 digits; JSON has no such limit.
    body = '{"email": "number@example.com", "name": ' + "9" * digits + "}"
    response = client.post("/users", content=body, headers=JSON)
    assert_problem(response, 422, VALIDATION, pointers={"/name"})


def test_concurrent_creates_all_succeed(
    server: RunningServer, ledger: dict[int, tuple[str, str]]
) -> None:
    # SQLite allows one writer at a time: the others must wait, not fail.
    def create_one(n: int) -> httpx.Response:
        with httpx.Client(base_url=server.base_url, timeout=60) as own:
            return own.post("/users", json={"email": f"crowd{n}@example.com", "name": "Crowd"})

    with ThreadPoolExecutor(max_workers=50) as pool:
        responses = list(pool.map(create_one, range(200)))
    assert sorted({r.status_code for r in responses}) == [201], {
        r.status_code: r.text for r in responses if r.status_code != 201
    }
    for response in responses:
        user = response.json()
        ledger[user["id"]] = (user["email"], user["name"])


def test_patch_racing_delete_is_200_or_404_never_500(
    server: RunningServer, client: httpx.Client, ledger: dict[int, tuple[str, str]]
) -> None:
    def send(method: str, path: str) -> int:
        with httpx.Client(base_url=server.base_url, timeout=30) as own:
            return own.request(method, path, json={"name": "Raced"}).status_code

    outcomes = set()
    with ThreadPoolExecutor(max_workers=2) as pool:
        for trial in range(30):
            user = create(client, ledger, f"race{trial}@example.com", "Racer")
            path = f"/users/{user['id']}"
            patch = pool.submit(send, "PATCH", path)
            delete = pool.submit(send, "DELETE", path)
            outcomes.add((patch.result(), delete.result()))
            del ledger[user["id"]]
            assert client.get(path).status_code == 404
    assert outcomes <= {(200, 204), (404, 204)}, outcomes


def test_a_client_that_leaves_mid_body_is_one_log_line_not_an_error(
    server: RunningServer,
) -> None:
    host, port = server.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        raw.sendall(
            b"POST /users HTTP/1.1\r\nHost: x\r\nX-Request-ID: leaver-1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
        )
        time.sleep(0.2)  # the server is now waiting for the other 99 bytes
    output = server.wait_for_output('"leaver-1"')
    time.sleep(0.5)  # anything else it logs about the request comes now
    lines = [line for line in server.output().splitlines() if "leaver-1" in line]
    assert len(lines) == 1, lines  # the request line, not an error with a stack
    assert json.loads(lines[0])["status"] == 499
    assert "Exception in ASGI application" not in output


def test_database_holds_exactly_the_created_rows(
    database: SqliteDatabase | PostgresDatabase, ledger: dict[int, tuple[str, str]]
) -> None:
    # Runs last in this module: every rejected request above must have left no trace.
    assert ledger, "the tests above should have created users"
    assert {row[0]: (row[1], row[2]) for row in database.rows()} == ledger


@pytest.mark.parametrize(
    ("variable", "value"),
    [("PORT", "eighty"), ("PORT", "70000"), ("LOG_LEVEL", "loud"), ("DATABASE_URL", "mysql://x")],
)
def test_bad_configuration_stops_the_server_at_start(
    runtime: str, example: str, variable: str, value: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('config') / 'users.db'}"}
    with (
        pytest.raises(ServerStartError) as failure,
        running_server(runtime, example, env={**env, variable: value}, timeout=20),
    ):
        pytest.fail("the server started with bad configuration")  # pragma: no cover
    message = str(failure.value)
    assert "exited with status 1" in message
    assert f"{variable}:" in message
    assert "Traceback" not in message
    assert not re.search(r"^\s+at .+:\d+:\d+\)?$", message, re.MULTILINE)  # no JS stack


def test_a_crash_is_a_500_problem_that_leaks_nothing(
    runtime: str, example: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    database = SqliteDatabase(tmp_path_factory.mktemp("crash") / "users.db")
    with (
        running_server(runtime, example, env={"DATABASE_URL": database.url}) as server,
        httpx.Client(base_url=server.base_url) as client,
    ):
        database.drop_users_table()  # the server's next query fails inside the driver
        response = client.get("/users/1")
        # Exactly this body: no message, SQL, path or stack trace from the failure.
        assert assert_problem(response, 500) == {
            "type": "about:blank",
            "title": "Internal Server Error",
            "status": 500,
            "detail": "An unexpected error occurred.",
        }
        assert response.headers["x-content-type-options"] == "nosniff"
        server.wait_for_output("no such table")  # the cause is logged for the operator


def test_a_database_migrated_by_the_other_runtime_stops_the_server_with_one_line(
    runtime: str, example: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # Each runtime has its own default file; pointed at the other's, it must say so.
    database = SqliteDatabase(tmp_path_factory.mktemp("clash") / "users.db")
    other = "node" if runtime == "python" else "python"
    with running_server(other, example, env={"DATABASE_URL": database.url}):
        pass
    assert_stops_with_one_line(runtime, example, database.url, "already exists")


def test_an_unreachable_database_stops_the_server_with_one_line(runtime: str, example: str) -> None:
    url = "postgresql://nobody:secret@127.0.0.1:1/none"  # port 1: nothing listens
    assert_stops_with_one_line(runtime, example, url, "")


def assert_stops_with_one_line(runtime: str, example: str, url: str, reason: str) -> None:
    with (
        pytest.raises(ServerStartError) as failure,
        running_server(runtime, example, env={"DATABASE_URL": url}, timeout=30),
    ):
        pytest.fail("the server started on a database it cannot use")  # pragma: no cover
    message = str(failure.value)
    assert "exited with status 1" in message
    line = next(line for line in message.splitlines() if "cannot use the database" in line)
    assert reason in line
    assert "secret" not in message
    assert "Traceback" not in message
    assert not re.search(r"^\s+at .+:\d+:\d+\)?$", message, re.MULTILINE)  # no JS stack

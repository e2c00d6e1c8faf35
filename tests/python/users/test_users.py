"""In-process tests of the Python users API (the contract suite covers both runtimes)."""

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.types import Message, Scope

from examples.python.users.database import prepare
from examples.python.users.schemas import NO_CONTROL_CHARACTERS, UserUpdate

pytestmark = pytest.mark.anyio


# --8<-- [start:tests]
async def test_create_then_get(client: httpx.AsyncClient) -> None:
    body = {"email": "Ada@Example.com", "name": "Ada"}
    created = await client.post("/users", json=body)
    assert created.status_code == 201
    user = created.json()
    assert user == {"id": 1, "email": "ada@example.com", "name": "Ada"}
    assert created.headers["location"] == "/users/1"
    assert (await client.get("/users/1")).json() == user


async def test_unknown_field_is_rejected(client: httpx.AsyncClient) -> None:
    body = {"email": "eve@example.com", "name": "Eve", "is_admin": True}
    response = await client.post("/users", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {"pointer": "/is_admin", "detail": "Extra inputs are not permitted"}
    ]


# --8<-- [end:tests]


async def test_update_and_delete(client: httpx.AsyncClient) -> None:
    await client.post("/users", json={"email": "a@example.com", "name": "Before"})
    response = await client.patch("/users/1", json={"name": "After"})
    assert response.json() == {"id": 1, "email": "a@example.com", "name": "After"}
    assert (await client.delete("/users/1")).status_code == 204
    assert (await client.get("/users/1")).status_code == 404


async def test_duplicate_email_is_a_conflict(client: httpx.AsyncClient) -> None:
    body = {"email": "twin@example.com", "name": "Twin"}
    assert (await client.post("/users", json=body)).status_code == 201
    response = await client.post("/users", json=body)
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/duplicate-email"


async def test_pages_follow_the_cursor(client: httpx.AsyncClient) -> None:
    for number in range(3):
        await client.post("/users", json={"email": f"u{number}@example.com", "name": "User"})
    first = (await client.get("/users", params={"limit": "2"})).json()
    assert [user["id"] for user in first["items"]] == [1, 2]
    second = (await client.get("/users", params={"cursor": first["next_cursor"]})).json()
    assert [user["id"] for user in second["items"]] == [3]
    assert second["next_cursor"] is None


@pytest.mark.parametrize("cursor", ["!!", "MQ==", "LTE", "OTAwNzE5OTI1NDc0MDk5Mg"])
async def test_foreign_cursors_are_rejected(client: httpx.AsyncClient, cursor: str) -> None:
    response = await client.get("/users", params={"cursor": cursor})
    assert response.status_code == 422
    assert response.json()["errors"][0]["parameter"] == "cursor"


async def test_query_errors_name_the_parameter(client: httpx.AsyncClient) -> None:
    response = await client.get("/users", params={"limit": "0"})
    assert response.status_code == 422
    assert [error["parameter"] for error in response.json()["errors"]] == ["limit"]


async def test_a_body_without_a_length_is_still_limited(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b"x" * 1024

    response = await client.post(
        "/users", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["detail"] == "The body must not exceed 16384 bytes."


@pytest.mark.parametrize(("method", "allow"), [("PUT", "DELETE, GET, HEAD, PATCH")])
async def test_405_lists_every_method_of_the_resource(
    client: httpx.AsyncClient, method: str, allow: str
) -> None:
    response = await client.request(method, "/users/1")
    assert response.status_code == 405
    assert response.headers["allow"] == allow


async def test_a_crash_is_a_bare_500(client: httpx.AsyncClient, database_url: str) -> None:
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
        connection.execute("DROP TABLE users")
    response = await client.get("/users/1")
    assert response.status_code == 500
    assert response.json() == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "An unexpected error occurred.",
    }
    assert "x-request-id" in response.headers


async def test_the_request_id_is_kept_when_sane(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"x-request-id": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"


async def test_a_websocket_scope_passes_through_the_middleware(app: FastAPI) -> None:
    # The middleware only acts on HTTP; anything else reaches the app untouched.
    seen: list[str] = []

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        seen.append(message["type"])

    scope: Scope = {"type": "websocket", "path": "/nope", "headers": [], "query_string": b""}
    await app(scope, receive, send)
    assert seen == ["websocket.close"]


@pytest.mark.parametrize(
    ("request_args", "status", "problem_type"),
    [
        ({"content": b'{"name": NaN}'}, 400, "/problems/malformed-json"),
        ({"content": b'{"name": '}, 400, "/problems/malformed-json"),
        ({"content": b"{}", "headers": {"content-type": "text/plain"}}, 415, "about:blank"),
        ({"content": b"x" * 20_000}, 413, "about:blank"),
        ({"json": {"email": "c@example.com", "name": "Bell\a"}}, 422, "/problems/validation-error"),
    ],
    ids=["nan", "truncated", "text-plain", "too-large", "control-character"],
)
async def test_create_rejects(
    client: httpx.AsyncClient, request_args: dict[str, Any], status: int, problem_type: str
) -> None:
    request_args.setdefault("headers", {"content-type": "application/json"})
    response = await client.post("/users", **request_args)
    assert (response.status_code, response.json()["type"]) == (status, problem_type)


@pytest.mark.parametrize(
    ("body", "pointer"), [({}, ""), ({"name": None}, "/name")], ids=["empty", "null"]
)
async def test_update_rejects(
    client: httpx.AsyncClient, body: dict[str, object], pointer: str
) -> None:
    await client.post("/users", json={"email": "u@example.com", "name": "User"})
    response = await client.patch("/users/1", json=body)
    assert response.status_code == 422
    assert [error["pointer"] for error in response.json()["errors"]] == [pointer]


async def test_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/users/1/extra")
    assert response.status_code == 404
    assert response.json() == {"type": "about:blank", "title": "Not Found", "status": 404}


async def test_a_compressed_body_is_a_415(client: httpx.AsyncClient) -> None:
    headers = {"content-type": "application/json", "content-encoding": "gzip"}
    response = await client.post("/users", content=b"{}", headers=headers)
    assert response.status_code == 415
    assert response.headers["accept-encoding"] == "identity"


async def test_nesting_and_numbers_are_judged_as_node_judges_them(
    client: httpx.AsyncClient,
) -> None:
    deep = await client.post(
        "/users", content=b"[" * 33 + b"]" * 33, headers={"content-type": "application/json"}
    )
    assert deep.status_code == 400
    assert deep.json()["detail"] == "The body nests deeper than 32 levels."
    huge = b'{"email": "n@example.com", "name": ' + b"9" * 5000 + b"}"
    number = await client.post("/users", content=huge, headers={"content-type": "application/json"})
    assert number.status_code == 422
    assert [e["pointer"] for e in number.json()["errors"]] == ["/name"]


async def test_a_repeated_parameter_is_a_422(client: httpx.AsyncClient) -> None:
    response = await client.get("/users?limit=1&limit=2")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"parameter": "limit", "detail": "must be given once"}]


async def test_head_answers_like_get_without_a_body(client: httpx.AsyncClient) -> None:
    response = await client.head("/users")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(len((await client.get("/users")).content))


async def test_a_client_that_leaves_mid_body_is_logged_as_499_not_a_crash(
    client: httpx.AsyncClient, app: FastAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    # `client` runs the app's lifespan; the request goes to the app directly.
    sent: list[Message] = []
    incoming: list[Message] = [
        {"type": "http.request", "body": b'{"email": ', "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive() -> Message:
        return incoming.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "http",
        "method": "POST",
        "path": "/users",
        "raw_path": b"/users",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json")],
    }
    await app(scope, receive, send)
    assert sent == []  # nobody to answer
    log = capsys.readouterr().out
    assert '"status": 499' in log
    assert "unhandled error" not in log


async def test_prepare_names_a_database_it_cannot_use_in_one_line(tmp_path: Path) -> None:
    unreachable = await prepare("postgresql://nobody:secret@127.0.0.1:1/none")
    assert unreachable is not None
    assert unreachable.startswith("cannot use the database: ")
    assert "\n" not in unreachable
    assert "secret" not in unreachable
    # A file whose users table another tool created (the Node twin's Kysely).
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE users (id INTEGER PRIMARY KEY)")
    clash = await prepare(f"sqlite:///{foreign}")
    assert clash is not None
    assert "already exists" in clash
    assert await prepare(f"sqlite:///{tmp_path / 'fresh.db'}") is None


def test_the_update_schema_says_what_the_validators_enforce() -> None:
    schema = UserUpdate.model_json_schema()
    assert schema["minProperties"] == 1
    for field in schema["properties"].values():
        assert "default" not in field
        assert "anyOf" not in field  # no null branch: null is refused
    assert schema["properties"]["name"]["pattern"] == NO_CONTROL_CHARACTERS


@pytest.mark.parametrize("user_id", ["7", "abc", "99999999999999999"])
async def test_updating_no_user_is_a_404(client: httpx.AsyncClient, user_id: str) -> None:
    response = await client.patch(f"/users/{user_id}", json={"name": "Nobody"})
    assert response.status_code == 404
    assert response.json()["detail"] == f"There is no user {user_id}."

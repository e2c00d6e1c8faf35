"""In-process tests of the Python users API (the contract suite covers both runtimes)."""

import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.types import Message, Scope

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


@pytest.mark.parametrize(("method", "allow"), [("PUT", "DELETE, GET, PATCH")])
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

"""In-process tests of the Python hello app: httpx talks ASGI to the app, no socket."""

# --8<-- [start:tests]
import httpx
import pytest
from fastapi import FastAPI

from examples.python.hello import main as hello

pytestmark = pytest.mark.anyio


@pytest.fixture
def app() -> FastAPI:
    return hello.app


async def test_healthz_reports_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_hello_greets_by_name(client: httpx.AsyncClient) -> None:
    response = await client.get("/hello", params={"name": "Ada"})
    assert response.status_code == 200
    assert response.json() == {"message": "Hello, Ada!"}


async def test_hello_rejects_a_name_over_40_characters(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/hello", params={"name": "x" * 41})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["parameter"] == "name"


# --8<-- [end:tests]


async def test_hello_counts_characters_not_bytes(client: httpx.AsyncClient) -> None:
    assert (await client.get("/hello", params={"name": "👋" * 40})).status_code == 200
    assert (await client.get("/hello", params={"name": "👋" * 41})).status_code == 422


async def test_post_is_405_with_an_allow_header(client: httpx.AsyncClient) -> None:
    response = await client.post("/hello")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


async def test_head_is_get_without_the_body(client: httpx.AsyncClient) -> None:
    response = await client.head("/hello", params={"name": "Ada"})
    assert response.status_code == 200
    assert response.headers["content-length"] == str(len(b'{"message":"Hello, Ada!"}'))
    assert response.content == b""


async def test_a_repeated_name_is_a_422_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/hello?name=a&name=b")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"parameter": "name", "detail": "must be given once"}]


async def test_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/nope")
    assert response.status_code == 404
    assert response.json() == {"type": "about:blank", "title": "Not Found", "status": 404}

"""The hello/health contract, asserted identically against the Python and the Node server."""

import httpx
import pytest

NOT_FOUND = {"type": "about:blank", "title": "Not Found", "status": 404}


def media_type(response: httpx.Response) -> str:
    # JSON is UTF-8 by definition (RFC 8259), so Express's "; charset=utf-8" adds nothing.
    return response.headers["content-type"].split(";")[0].strip()


def test_healthz(client: httpx.Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert media_type(response) == "application/json"
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "Hello, world!"),
        ({"name": "Ada"}, "Hello, Ada!"),
        ({"name": "Grüße 👋"}, "Hello, Grüße 👋!"),
        ({"name": "👋" * 40}, f"Hello, {'👋' * 40}!"),
        ({"name": "<script>'; DROP TABLE x;--"}, "Hello, <script>'; DROP TABLE x;--!"),
    ],
    ids=["default", "ascii", "unicode", "40-emoji", "markup-verbatim"],
)
def test_hello(client: httpx.Client, params: dict[str, str], message: str) -> None:
    response = client.get("/hello", params=params)
    assert response.status_code == 200
    assert media_type(response) == "application/json"
    assert response.json() == {"message": message}


@pytest.mark.parametrize("name", ["", "x" * 41, "👋" * 41], ids=["empty", "41-ascii", "41-emoji"])
def test_hello_rejects_bad_names(client: httpx.Client, name: str) -> None:
    response = client.get("/hello", params={"name": name})
    assert response.status_code == 422
    assert media_type(response) == "application/problem+json"
    body = response.json()
    assert {key: body[key] for key in ("type", "title", "status", "detail")} == {
        "type": "/problems/validation-error",
        "title": "Unprocessable Content",
        "status": 422,
        "detail": "The request is invalid.",
    }
    assert [error["parameter"] for error in body["errors"]] == ["name"]
    assert all(error["detail"] for error in body["errors"])


@pytest.mark.parametrize("path", ["/nope", "/hello/extra", "/HEALTHZ", "/healthz/"])
def test_unknown_route_is_404_problem(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert media_type(response) == "application/problem+json"
    assert response.json() == NOT_FOUND


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", ["/hello", "/healthz"])
def test_wrong_method_is_405_with_allow(client: httpx.Client, method: str, path: str) -> None:
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert media_type(response) == "application/problem+json"
    assert response.json() == {"type": "about:blank", "title": "Method Not Allowed", "status": 405}


def test_repeated_name_is_a_documented_difference(client: httpx.Client, runtime: str) -> None:
    # FastAPI reads the last value of a repeated query parameter; Express parses it into a
    # list, which the Node version rejects. The Patterns page documents this difference.
    response = client.get("/hello?name=a&name=b")
    expected = {"python": (200, "Hello, b!"), "node": (422, None)}[runtime]
    assert response.status_code == expected[0]
    if expected[1] is not None:
        assert response.json() == {"message": expected[1]}

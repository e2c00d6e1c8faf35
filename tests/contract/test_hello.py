"""The hello/health contract, asserted identically against the Python and the Node server."""

import httpx
import pytest

from tests.contract.answers import (
    assert_head_like_get,
    assert_method_not_allowed,
    assert_not_found,
    media_type,
)


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


@pytest.mark.parametrize(
    "path", ["/nope", "/hello/extra", "/HEALTHZ", "/healthz/", "/HELLO", "/hello/", "/%FF"]
)
def test_unknown_route_is_404_problem(client: httpx.Client, path: str) -> None:
    for method in ("GET", "POST"):
        assert_not_found(client.request(method, path))


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"])
@pytest.mark.parametrize("path", ["/hello", "/healthz"])
def test_wrong_method_is_405_with_allow(client: httpx.Client, method: str, path: str) -> None:
    assert_method_not_allowed(client.request(method, path))


@pytest.mark.parametrize(
    ("target", "status"),
    [
        ("/healthz", 200),
        ("/hello?name=Ada", 200),
        ("/hello?name=", 422),
        ("/hello?name=a&name=b", 422),
        ("/nope", 404),
    ],
)
def test_head_answers_like_get_without_a_body(
    client: httpx.Client, target: str, status: int
) -> None:
    assert_head_like_get(client, target, status)


@pytest.mark.parametrize(
    ("target", "parameter"),
    [("/hello?name=a&name=b", "name"), ("/hello?name=a&name=a", "name"), ("/healthz?x=1&x=2", "x")],
)
def test_a_repeated_parameter_is_a_422(client: httpx.Client, target: str, parameter: str) -> None:
    # FastAPI alone would keep the last value and Express make a list: both answer 422.
    response = client.get(target)
    assert response.status_code == 422
    assert media_type(response) == "application/problem+json"
    body = response.json()
    assert body["type"] == "/problems/validation-error"
    assert body["errors"] == [{"parameter": parameter, "detail": "must be given once"}]


@pytest.mark.parametrize(
    ("method", "target", "status"),
    [("GET", "/nope?x=1&x=2", 404), ("POST", "/hello?name=a&name=b", 405)],
)
def test_route_and_method_are_checked_before_parameters(
    client: httpx.Client, method: str, target: str, status: int
) -> None:
    assert client.request(method, target).status_code == status


def test_every_parameter_counts_past_a_thousand(client: httpx.Client) -> None:
    # Node's query parser keeps only 1000 parameters unless told otherwise.
    others = "&".join(f"p{i}=1" for i in range(1000))
    assert client.get(f"/hello?{others}&name=Ada").json() == {"message": "Hello, Ada!"}
    assert client.get(f"/hello?{others}&name=a&name=b").status_code == 422


def test_bytes_that_are_not_utf8_become_the_replacement_character(client: httpx.Client) -> None:
    assert client.get("/hello?name=%FF").json() == {"message": "Hello, \ufffd!"}

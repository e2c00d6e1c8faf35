"""Assertions on answers that every example's contract shares: problems, 405, HEAD."""

import httpx

NOT_FOUND = {"type": "about:blank", "title": "Not Found", "status": 404}
METHOD_NOT_ALLOWED = {"type": "about:blank", "title": "Method Not Allowed", "status": 405}


def media_type(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


def assert_not_found(response: httpx.Response) -> None:
    assert response.status_code == 404
    assert media_type(response) == "application/problem+json"
    assert response.json() == NOT_FOUND


def assert_method_not_allowed(response: httpx.Response, allow: str = "GET, HEAD") -> None:
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert media_type(response) == "application/problem+json"
    assert response.json() == METHOD_NOT_ALLOWED


def assert_head_like_get(client: httpx.Client, target: str, status: int) -> None:
    """HEAD answers as GET does, with the same type and length, without the body."""
    get, head = client.get(target), client.head(target)
    assert get.status_code == head.status_code == status
    for header in ("content-type", "content-length"):
        assert head.headers[header] == get.headers[header]
    assert head.content == b""


def assert_validation_problem(response: httpx.Response, errors: list[dict[str, str]]) -> None:
    """A 422 naming exactly these parameters (and, where given, these details)."""
    assert response.status_code == 422
    assert media_type(response) == "application/problem+json"
    body = response.json()
    assert (body["type"], body["title"], body["status"], body["detail"]) == (
        "/problems/validation-error",
        "Unprocessable Content",
        422,
        "The request is invalid.",
    )
    assert [error["parameter"] for error in body["errors"]] == [e["parameter"] for e in errors]
    for got, want in zip(body["errors"], errors, strict=True):
        assert got["detail"] == want.get("detail", got["detail"])

"""The problem-details module every Python example installs, on a small app of its own."""

import httpx
import pytest
from fastapi import FastAPI

from examples.python.problem_details import Problem, install

pytestmark = pytest.mark.anyio


@pytest.fixture
def app() -> FastAPI:
    app = FastAPI()
    install(app)

    @app.get("/teapot")
    def teapot() -> None:
        raise Problem(418, type="/problems/teapot", detail="Short and stout.")

    @app.get("/crash")
    def crash() -> None:
        raise RuntimeError("secret: the SQL that failed")

    return app


async def test_a_raised_problem_is_answered_as_it_is(client: httpx.AsyncClient) -> None:
    response = await client.get("/teapot")
    assert response.status_code == 418
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "/problems/teapot",
        "title": "I'm a Teapot",
        "status": 418,
        "detail": "Short and stout.",
    }


async def test_a_crash_is_a_500_problem_that_leaks_nothing(app: FastAPI) -> None:
    # Starlette re-raises after answering, so the server can log the traceback;
    # the in-process transport would pass that on to the test unless told not to.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/crash")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "An unexpected error occurred.",
    }
    assert "secret" not in response.text

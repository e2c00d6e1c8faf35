"""In-process tests of the bare Starlette bench server: the same bytes as the FastAPI one."""

import pytest

from examples.python.bench import main, starlette_app
from tests.python.asgi import in_process

pytestmark = pytest.mark.anyio
PATHS = ["/healthz", "/json", "/db", "/io", "/cpu", "/file", "/nope", "/json/"]


@pytest.mark.parametrize("path", PATHS)
async def test_same_status_type_and_bytes_as_fastapi(path: str) -> None:
    answers = []
    for app in (main.app, starlette_app.app):
        async with in_process(app) as client:
            answers.append(await client.get(path))
    fastapi, starlette = answers
    assert starlette.status_code == fastapi.status_code
    assert starlette.headers["content-type"] == fastapi.headers["content-type"]
    assert starlette.content == fastapi.content

"""The in-process client every Python topic's tests use.

Each test module provides an `app` fixture (its topic's app, set up as the tests need);
`client` then calls that app through httpx, with no socket and no server.
"""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from tests.python.asgi import in_process


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process(app) as client:
        yield client

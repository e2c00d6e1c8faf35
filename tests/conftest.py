"""Settings shared by every test module."""

import pytest


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    # The examples run on asyncio (uvicorn's loop); test on the same one only.
    return "asyncio"

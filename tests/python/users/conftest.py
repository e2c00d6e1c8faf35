"""A users app on a fresh SQLite file per test, with its lifespan (migrations) running."""

from pathlib import Path

import pytest
from fastapi import FastAPI

from examples.python.users.main import create_app
from examples.python.users.settings import Settings


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'users.db'}"


@pytest.fixture
def app(database_url: str) -> FastAPI:
    # tests/python/conftest.py's `client` runs its lifespan, which applies the migrations.
    return create_app(Settings(database_url=database_url))

"""The migration creates the schema the ORM model describes, and can be undone."""

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from examples.python.users.database import Base, alembic_config, create_engine, migrate

pytestmark = pytest.mark.anyio


@pytest.fixture
def engine(tmp_path: Path) -> AsyncEngine:
    return create_engine(f"sqlite:///{tmp_path / 'users.db'}")


async def test_migration_matches_the_model(engine: AsyncEngine) -> None:
    await migrate(engine)
    await migrate(engine)  # running it again changes nothing
    async with engine.connect() as connection:
        differences = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )
    await engine.dispose()
    assert differences == []


async def test_migration_can_be_undone(engine: AsyncEngine) -> None:
    await migrate(engine)
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), "base"))
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    await engine.dispose()
    assert tables == ["alembic_version"]


def test_urls_name_the_async_driver() -> None:
    assert create_engine("postgresql://u:p@db/x").url.drivername == "postgresql+asyncpg"
    assert create_engine("sqlite:///x.db").url.drivername == "sqlite+aiosqlite"

"""The database: an async SQLAlchemy engine, and its migrations.

The engine works with SQLite or PostgreSQL.
"""

# --8<-- [start:database]
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.util import CommandError
from sqlalchemy import BigInteger, Connection, Integer, String, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

MIGRATIONS = Path(__file__).parent / "migrations"
# One URL format for both runtimes; SQLAlchemy wants the async driver
# named in it.
ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
}


class Base(DeclarativeBase):
    pass


class User(Base):
    """Mirrors migrations/versions/0001_create_users.py.

    A test checks they agree.
    """

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))


def create_engine(database_url: str) -> AsyncEngine:
    scheme, _, rest = database_url.partition("://")
    if scheme != "sqlite":
        return create_async_engine(f"{ASYNC_DRIVERS[scheme]}://{rest}")
    # A writer waits up to 30 s for another's lock instead of failing at 5 s
    # with "database is locked"; WAL lets reads go on during a write.
    engine = create_async_engine(
        f"{ASYNC_DRIVERS[scheme]}://{rest}", connect_args={"timeout": 30}
    )

    @event.listens_for(engine.sync_engine, "connect")
    def write_ahead_log(connection: Any, _record: Any) -> None:
        connection.cursor().execute("PRAGMA journal_mode=WAL")

    return engine


def alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # migrations/env.py runs on this connection.
    config.attributes["connection"] = connection
    return config


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest migration (a no-op if it is there)."""
    async with engine.begin() as connection:
        await connection.run_sync(
            lambda sync: command.upgrade(alembic_config(sync), "head")
        )


async def prepare(database_url: str) -> str | None:
    """Migrate before serving; on failure, the one line to stop with."""
    engine = create_engine(database_url)
    try:
        await migrate(engine)
    except (OSError, SQLAlchemyError, CommandError) as error:
        reason = str(error).splitlines()[0]
        return f"cannot use the database: {reason}"
    finally:
        await engine.dispose()
    return None


# --8<-- [end:database]

"""Real databases for the users contract: a SQLite file, or a fresh PostgreSQL database.

The tests read the rows straight from the database, not through the API under test.
Each PostgreSQL database lives on the server that TEST_POSTGRES_URL names (a role that
may create databases), else on the embedded one that postgres_server.py starts.
"""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg


@dataclass
class SqliteDatabase:
    path: Path

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def rows(self) -> list[tuple[int, str, str]]:
        with sqlite3.connect(self.path) as connection:
            return connection.execute("SELECT id, email, name FROM users ORDER BY id").fetchall()

    def drop_users_table(self) -> None:
        with sqlite3.connect(self.path) as connection:
            connection.execute("DROP TABLE users")

    def close(self) -> None:
        self.path.unlink(missing_ok=True)


@dataclass
class PostgresDatabase:
    admin_url: str
    name: str

    @classmethod
    def create(cls, admin_url: str) -> PostgresDatabase:
        database = cls(admin_url, f"users_contract_{uuid.uuid4().hex[:12]}")
        asyncio.run(database._admin(f'CREATE DATABASE "{database.name}"'))
        return database

    @property
    def url(self) -> str:
        return self.admin_url.rsplit("/", 1)[0] + f"/{self.name}"

    def rows(self) -> list[tuple[int, str, str]]:
        async def fetch() -> list[tuple[int, str, str]]:
            connection = await asyncpg.connect(self.url)
            try:
                records = await connection.fetch("SELECT id, email, name FROM users ORDER BY id")
            finally:
                await connection.close()
            return [tuple(record) for record in records]

        return asyncio.run(fetch())

    def close(self) -> None:
        asyncio.run(self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))

    async def _admin(self, statement: str) -> None:
        connection = await asyncpg.connect(self.admin_url)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

"""The embedded PostgreSQL server that the users contract runs on without TEST_POSTGRES_URL.

It must start for whoever runs the tests, root included (CI), answer on 127.0.0.1 only,
and stop cleanly, leaving no process and no files behind.
"""

import asyncio
import ipaddress
import os
import pwd
import socket

import asyncpg
import pytest

from tests.contract.postgres_server import UNPRIVILEGED_USER, EmbeddedPostgres


async def settings(url: str) -> tuple[str, str, str, ipaddress.IPv4Address]:
    connection = await asyncpg.connect(url)
    try:
        record = await connection.fetchrow(
            "SELECT current_setting('server_version'), current_setting('fsync'),"
            " current_setting('unix_socket_directories'), inet_server_addr()"
        )
    finally:
        await connection.close()
    assert record is not None
    return record[0], record[1], record[2], record[3]


def test_starts_unprivileged_on_loopback_and_stops_leaving_nothing() -> None:
    server = EmbeddedPostgres.start()
    try:
        version, fsync, sockets, address = asyncio.run(settings(server.url))
        assert version.startswith("18.")  # the major version pinned in pyproject.toml
        assert (fsync, sockets, address) == ("off", "", ipaddress.IPv4Address("127.0.0.1"))
        # postgres only runs on a data directory owned by its own (never root) user.
        owner = (server.directory / "data").stat().st_uid
        expected = pwd.getpwnam(UNPRIVILEGED_USER).pw_uid if os.geteuid() == 0 else os.geteuid()
        assert owner == expected != 0
    finally:
        server.stop()
    assert server.process.returncode == 0  # a clean fast shutdown, not a kill
    assert not server.directory.exists()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", server.port), timeout=5).close()

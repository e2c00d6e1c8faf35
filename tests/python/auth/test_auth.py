"""In-process tests of the Python auth example, on a real Redis."""

import asyncio
import runpy
import sys
import time

import httpx
import jwt
import pytest
import redis
from fastapi import FastAPI
from pydantic import SecretStr

from examples.python.auth.main import AuthSettings, create_app
from examples.python.auth.passwords import hash_password, verify_password
from scripts.redis_server import RedisServer
from scripts.servers import free_port
from tests.python.asgi import in_process

pytestmark = pytest.mark.anyio
SECRET = "unit-test-" + "k" * 54
RIGHT = "correct horse"


def settings_for(redis_server: RedisServer, log_n: int = 14) -> AuthSettings:
    secret = SecretStr(SECRET)
    return AuthSettings(jwt_secret=secret, redis_url=redis_server.url, scrypt_log_n=log_n)


@pytest.fixture
def app(redis_server: RedisServer) -> FastAPI:
    with redis.Redis.from_url(redis_server.url) as connection:
        connection.flushall()
    return create_app(settings_for(redis_server))


async def signed_in(client: httpx.AsyncClient, email: str = "ada@example.com") -> tuple[str, str]:
    created = await client.post(
        "/accounts", json={"email": email, "name": "Ada", "password": RIGHT}
    )
    assert created.status_code == 201
    assert created.headers["location"] == f"/accounts/{created.json()['id']}"
    session = await client.post("/sessions", json={"email": email, "password": RIGHT})
    return created.json()["id"], session.json()["access_token"]


async def test_sign_in_and_read_yourself(client: httpx.AsyncClient) -> None:
    account_id, token = await signed_in(client)
    me = await client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json() == {"id": account_id, "email": "ada@example.com", "name": "Ada"}


async def test_an_address_registers_once(client: httpx.AsyncClient) -> None:
    await signed_in(client)
    again = await client.post(
        "/accounts", json={"email": "ada@example.com", "name": "Eve", "password": RIGHT}
    )
    assert again.status_code == 409


async def test_wrong_password_then_too_many(client: httpx.AsyncClient) -> None:
    await signed_in(client)
    wrong = {"email": "ada@example.com", "password": "nope"}
    statuses = [(await client.post("/sessions", json=wrong)).status_code for _ in range(6)]
    # The sign-in in signed_in() reset the count: five wrong, then refused.
    assert statuses == [401] * 5 + [429]


async def test_unknown_address_is_a_401(client: httpx.AsyncClient) -> None:
    unknown = {"email": "nobody@example.com", "password": RIGHT}
    assert (await client.post("/sessions", json=unknown)).status_code == 401


async def test_tokens_that_fail(client: httpx.AsyncClient, redis_server: RedisServer) -> None:
    account_id, token = await signed_in(client)
    assert (await client.get("/me")).headers["www-authenticate"] == "Bearer"
    bad = await client.get("/me", headers={"Authorization": "Bearer x.y.z"})
    assert bad.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    with redis.Redis.from_url(redis_server.url) as connection:
        connection.delete(f"account:{account_id}")
    gone = await client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert gone.json()["detail"] == "The token's account no longer exists."


async def test_rename_yourself_not_others(client: httpx.AsyncClient) -> None:
    mine, token = await signed_in(client)
    theirs, _ = await signed_in(client, "grace@example.com")
    auth = {"Authorization": f"Bearer {token}"}
    own = await client.patch(f"/accounts/{mine}", json={"name": "Grace"}, headers=auth)
    assert own.json()["name"] == "Grace"
    other = await client.patch(f"/accounts/{theirs}", json={"name": "Xavier"}, headers=auth)
    assert other.status_code == 403


async def test_the_token_says_who_and_until_when(client: httpx.AsyncClient) -> None:
    account_id, token = await signed_in(client)
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience="guide-auth")
    assert claims["sub"] == account_id
    assert claims["exp"] - claims["iat"] == 900
    assert jwt.get_unverified_header(token)["alg"] == "HS256"


async def test_hashing_does_not_block_the_event_loop(redis_server: RedisServer) -> None:
    # At OWASP's cost (2^17) a hash takes a second or more here; /healthz
    # must answer meanwhile, so the hash cannot run on the event loop.
    app = create_app(settings_for(redis_server, log_n=17))
    async with in_process(app) as client:
        account = {"email": "slow@example.com", "name": "Ada", "password": RIGHT}
        started = time.monotonic()
        signing_up = asyncio.create_task(client.post("/accounts", json=account))
        await asyncio.sleep(0.05)
        health = await client.get("/healthz")
        healthy_after = time.monotonic() - started
        assert health.status_code == 200
        assert (await signing_up).status_code == 201
        signed_up_after = time.monotonic() - started
    # A blocked loop would answer /healthz only after the hash.
    assert healthy_after < signed_up_after / 2, (healthy_after, signed_up_after)


async def test_a_crash_log_holds_no_secret_and_no_password(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Redis unreachable: the sign-in fails with a 500 and a traceback in the
    # log, which must not carry the frames' variables.
    settings = AuthSettings(
        jwt_secret=SecretStr(SECRET),
        redis_url=f"redis://127.0.0.1:{free_port()}/0",
        scrypt_log_n=14,
    )
    async with in_process(create_app(settings)) as client:
        attempt = {"email": "ada@example.com", "password": "hunter2-plaintext"}
        response = await client.post("/sessions", json=attempt)
    assert response.status_code == 500
    captured = capsys.readouterr()
    log = captured.out + captured.err
    assert '"exception"' in log  # the crash was logged, with its traceback
    assert SECRET not in log
    assert "hunter2-plaintext" not in log


async def test_a_hash_verifies_only_its_password() -> None:
    stored = await hash_password(RIGHT, 14)
    assert await verify_password(RIGHT, stored)
    assert not await verify_password(RIGHT + "!", stored)
    assert stored != await hash_password(RIGHT, 14)  # a new salt each time


async def test_healthz(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}


def test_a_missing_secret_stops_the_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JWT_SECRET", raising=False)
    monkeypatch.delitem(sys.modules, "examples.python.auth.main", raising=False)
    with pytest.raises(SystemExit) as exit_:
        runpy.run_module("examples.python.auth.main", run_name="__main__")
    assert "JWT_SECRET:" in str(exit_.value.code)

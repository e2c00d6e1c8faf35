"""The caching contract: both runtimes as real servers on one real Redis.

Each runtime's server caches the users it reads and drops the copy on every write; two
instances of it share one Redis and one database, as a scaled-out deployment would;
and a Python and a Node.js server share one cache, each the other's oracle.
"""

import contextlib
import itertools
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from scripts.redis_server import RedisServer
from scripts.servers import RUNTIMES, RunningServer, running_server
from tests.contract.answers import (
    NOT_FOUND,
    assert_head_like_get,
    assert_method_not_allowed,
    media_type,
)

EMAILS = (f"user{number}@example.com" for number in itertools.count())


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("caching") / "users.db"


@pytest.fixture(scope="module")
def server_env(database: Path, redis_server: RedisServer, runtime: str) -> dict[str, str]:
    # A database file and a Redis database per runtime: their user ids overlap.
    path = database.with_name(f"{runtime}.db")
    cache = redis_server.database_url(RUNTIMES.index(runtime) + 1)
    return {"DATABASE_URL": f"sqlite:///{path}", "REDIS_URL": cache}


@pytest.fixture(scope="module")
def redis_client(server_env: dict[str, str]) -> Iterator[redis.Redis]:
    with redis.Redis.from_url(server_env["REDIS_URL"], decode_responses=True) as connection:
        yield connection


def create(client: httpx.Client, name: str = "Ada") -> dict[str, Any]:
    response = client.post("/users", json={"email": next(EMAILS), "name": name})
    assert response.status_code == 201, response.text
    user: dict[str, Any] = response.json()
    return user


def stats(client: httpx.Client) -> dict[str, int]:
    counts: dict[str, int] = client.get("/stats").json()
    return counts


def test_a_second_read_is_served_from_redis(
    client: httpx.Client, redis_client: redis.Redis
) -> None:
    user = create(client)
    before = stats(client)
    assert client.get(f"/users/{user['id']}").json() == user
    assert client.get(f"/users/{user['id']}").json() == user
    after = stats(client)
    assert after["db_reads"] - before["db_reads"] == 1
    assert after["cache_hits"] - before["cache_hits"] == 1
    assert redis_client.pttl(f"users:v1:{user['id']}") > 0


def test_no_stale_read_after_a_patch(client: httpx.Client) -> None:
    user = create(client)
    client.get(f"/users/{user['id']}")
    assert client.patch(f"/users/{user['id']}", json={"name": "Renamed"}).status_code == 200
    assert client.get(f"/users/{user['id']}").json()["name"] == "Renamed"


def test_no_stale_read_after_a_delete(client: httpx.Client) -> None:
    user = create(client)
    client.get(f"/users/{user['id']}")
    assert client.delete(f"/users/{user['id']}").status_code == 204
    response = client.get(f"/users/{user['id']}")
    assert response.status_code == 404
    assert response.json()["detail"] == f"There is no user {user['id']}."


def test_head_answers_as_get_without_a_body(client: httpx.Client) -> None:
    user = create(client)
    assert_head_like_get(client, f"/users/{user['id']}", 200)
    assert_head_like_get(client, "/stats", 200)


@pytest.mark.parametrize("user_id", ["0", "abc", "99999999999999999", "1.0"])
def test_an_id_that_names_no_user_is_a_404_problem(client: httpx.Client, user_id: str) -> None:
    response = client.get(f"/users/{user_id}")
    assert response.status_code == 404
    assert media_type(response) == "application/problem+json"
    assert response.json() == {**NOT_FOUND, "detail": f"There is no user {user_id}."}


def test_bad_bodies_are_422_problems_and_change_nothing(client: httpx.Client) -> None:
    user = create(client)
    client.get(f"/users/{user['id']}")  # cached
    for body in ({"name": ""}, {"email": "not an email"}, {"role": "admin"}):
        response = client.patch(f"/users/{user['id']}", json=body)
        assert response.status_code == 422
        assert media_type(response) == "application/problem+json"
    assert client.get(f"/users/{user['id']}").json() == user


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/users/1", "DELETE, GET, HEAD, PATCH"),
        ("GET", "/users", "POST"),
        ("POST", "/stats", "GET, HEAD"),
    ],
)
def test_other_methods_are_405_with_allow(
    client: httpx.Client, method: str, path: str, allow: str
) -> None:
    assert_method_not_allowed(client.request(method, path), allow)


@contextlib.contextmanager
def two_instances(
    runtime: str, example: str, env: dict[str, str]
) -> Iterator[tuple[RunningServer, RunningServer]]:
    with (
        running_server(runtime, example, env=env) as first,
        running_server(runtime, example, env=env) as second,
    ):
        yield first, second


# --8<-- [start:stampede]
def test_fifty_concurrent_misses_on_two_instances_make_one_database_read(
    runtime: str, example: str, server_env: dict[str, str]
) -> None:
    # Each read takes 300 ms, so every request misses while the first loads.
    env = {**server_env, "READ_DELAY_MS": "300"}
    with two_instances(runtime, example, env) as instances:
        with httpx.Client(base_url=instances[0].base_url) as client:
            user = create(client)
        urls = [f"{one.base_url}/users/{user['id']}" for one in instances] * 25

        def read(url: str) -> httpx.Response:
            return httpx.get(url, timeout=30)

        with ThreadPoolExecutor(max_workers=50) as pool:
            answers = list(pool.map(read, urls))
        assert {answer.status_code for answer in answers} == {200}
        assert {answer.json()["name"] for answer in answers} == {"Ada"}
        counts = [read(f"{one.base_url}/stats").json() for one in instances]
        assert sum(count["db_reads"] for count in counts) == 1, counts


# --8<-- [end:stampede]


def test_a_write_on_one_instance_is_seen_on_the_other_at_once(
    runtime: str, example: str, server_env: dict[str, str]
) -> None:
    with (
        two_instances(runtime, example, server_env) as (first, second),
        httpx.Client(base_url=first.base_url, timeout=10) as one,
        httpx.Client(base_url=second.base_url, timeout=10) as other,
    ):
        user = create(one)
        assert other.get(f"/users/{user['id']}").json()["name"] == "Ada"  # cached
        one.patch(f"/users/{user['id']}", json={"name": "Renamed"})
        assert other.get(f"/users/{user['id']}").json()["name"] == "Renamed"


def test_the_two_runtimes_read_and_drop_each_others_copies(
    tmp_path: Path, example: str, redis_server: RedisServer
) -> None:
    """A Python and a Node.js server on one Redis: the same keys and the same JSON.

    Each migrates a database of its own, so both get the same user as id 1.
    """
    shared = redis_server.database_url(3)
    with (
        running_server(
            "python",
            example,
            env={"DATABASE_URL": f"sqlite:///{tmp_path / 'python.db'}", "REDIS_URL": shared},
        ) as python,
        running_server(
            "node",
            example,
            env={"DATABASE_URL": f"sqlite:///{tmp_path / 'node.db'}", "REDIS_URL": shared},
        ) as node,
        httpx.Client(base_url=python.base_url, timeout=10) as from_python,
        httpx.Client(base_url=node.base_url, timeout=10) as from_node,
    ):
        body = {"email": "ada@example.com", "name": "Ada"}
        user = from_python.post("/users", json=body).json()
        assert from_node.post("/users", json=body).json() == user
        assert from_python.get("/users/1").json() == user  # Python caches it
        assert from_node.get("/users/1").json() == user
        assert stats(from_node) == {"db_reads": 0, "cache_hits": 1, "cache_misses": 0}
        from_node.patch("/users/1", json={"name": "Through Node"})
        from_python.get("/users/1")
        assert stats(from_python)["cache_misses"] == 2  # Node's write dropped its copy

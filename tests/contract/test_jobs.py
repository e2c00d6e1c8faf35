"""The jobs contract: each runtime's API and worker as real processes on one real Redis.

The API answers 202 and a status URL; a separate worker process (Celery or BullMQ) does
the work, retries it with growing waits, dead-letters it after the last attempt, and
finishes it exactly once in effect even when a worker is killed in the middle.
"""

import itertools
import os
import re
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import redis

from examples.python.jobs import store
from scripts.redis_server import RedisServer
from scripts.servers import (
    ROOT,
    RUNTIMES,
    RunningProcess,
    running_server,
    running_worker,
)
from tests.contract.answers import assert_head_like_get, assert_method_not_allowed, media_type

TITLES = (f"Report {number}" for number in itertools.count())


@pytest.fixture(scope="module")
def server_env(redis_server: RedisServer, runtime: str) -> dict[str, str]:
    # A Redis database per runtime: Celery's and BullMQ's keys must not meet.
    return {
        "REDIS_URL": redis_server.database_url(RUNTIMES.index(runtime) + 1),
        "RETRY_BASE_MS": "100",
        "JOB_LEASE_MS": "2000",
        "REPORT_ATTEMPTS": "3",
    }


@pytest.fixture(scope="module")
def worker(runtime: str, example: str, server_env: dict[str, str]) -> Iterator[RunningProcess]:
    with running_worker(runtime, example, env=server_env) as process:
        yield process


@pytest.fixture(scope="module")
def redis_client(server_env: dict[str, str]) -> Iterator[redis.Redis]:
    with redis.Redis.from_url(server_env["REDIS_URL"], decode_responses=True) as connection:
        yield connection


def post(client: httpx.Client, **fields: Any) -> httpx.Response:
    response = client.post("/reports", json={"title": next(TITLES), **fields})
    assert response.status_code == 202, response.text
    return response


def finished(client: httpx.Client, location: str, timeout: float = 30) -> dict[str, Any]:
    """Poll until the report is done or failed; every state seen on the way, in order."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        report: dict[str, Any] = client.get(location).json()
        if report["status"] in ("done", "failed"):
            return report
        time.sleep(0.05)
    raise AssertionError(f"{location} still {report}")


def test_a_report_is_accepted_with_a_status_url_then_done(
    client: httpx.Client, worker: RunningProcess
) -> None:
    response = post(client, work_ms=1_000)
    queued = response.json()
    assert queued == {"id": queued["id"], "status": "queued", "attempts": 0}
    assert response.headers["location"] == f"/reports/{queued['id']}"
    seen = set()
    deadline = time.monotonic() + 30
    while "done" not in seen and time.monotonic() < deadline:
        seen.add(client.get(response.headers["location"]).json()["status"])
        time.sleep(0.05)
    assert "running" in seen  # polled during the second the work takes
    report = client.get(response.headers["location"]).json()
    assert report["status"] == "done"
    assert report["result"].startswith("Report on ")


def test_a_repeated_post_with_the_same_key_creates_no_second_job(
    client: httpx.Client, worker: RunningProcess, redis_client: redis.Redis
) -> None:
    body, headers = {"title": "Once only"}, {"Idempotency-Key": "order-42"}
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(
            pool.map(lambda _: client.post("/reports", json=body, headers=headers), range(10))
        )
    # 409: a duplicate that came while the first was still being accepted.
    accepted = [answer for answer in answers if answer.status_code == 202]
    assert {answer.status_code for answer in answers} <= {202, 409}
    assert len({answer.json()["id"] for answer in accepted}) == 1
    report = finished(client, accepted[0].headers["location"])
    assert (report["status"], report["attempts"]) == ("done", 1)
    assert redis_client.hget(f"report:{report['id']}", "effects") == "1"


def test_a_duplicate_while_the_first_is_in_progress_is_a_409(
    client: httpx.Client, redis_client: redis.Redis
) -> None:
    headers = {"Idempotency-Key": "in-flight"}
    first = client.post("/reports", json={"title": "One"}, headers=headers).json()
    # As if the first request were still between creating and queueing.
    redis_client.set(f"report:{first['id']}:accepting", "1", px=5_000)
    response = client.post("/reports", json={"title": "One"}, headers=headers)
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/request-in-progress"
    redis_client.delete(f"report:{first['id']}:accepting")
    again = client.post("/reports", json={"title": "One"}, headers=headers)
    assert (again.status_code, again.json()["id"]) == (202, first["id"])


def test_the_same_key_with_another_body_is_a_422(client: httpx.Client) -> None:
    headers = {"Idempotency-Key": "reused"}
    assert client.post("/reports", json={"title": "One"}, headers=headers).status_code == 202
    response = client.post("/reports", json={"title": "Two"}, headers=headers)
    assert response.status_code == 422
    assert media_type(response) == "application/problem+json"
    assert response.json()["type"] == "/problems/idempotency-key-reused"


@pytest.mark.parametrize(
    "headers",
    [
        [("Idempotency-Key", "")],
        [("Idempotency-Key", "x" * 256)],
        [("Idempotency-Key", "two words")],
        [("Idempotency-Key", "a"), ("Idempotency-Key", "b")],
    ],
)
def test_a_bad_idempotency_key_is_a_400(
    client: httpx.Client, headers: list[tuple[str, str]]
) -> None:
    response = client.post("/reports", json={"title": "Sales"}, headers=headers)
    assert response.status_code == 400
    assert response.json()["type"] == "/problems/bad-idempotency-key"


def test_failures_are_retried_with_growing_waits(
    client: httpx.Client, worker: RunningProcess, redis_client: redis.Redis
) -> None:
    report = finished(client, post(client, work_ms=0, fail_attempts=2).headers["location"])
    assert (report["status"], report["attempts"]) == ("done", 3)
    starts = [int(ms) for ms in redis_client.lrange(f"report:{report['id']}:starts", 0, -1)]
    first, second = (later - earlier for earlier, later in itertools.pairwise(starts))
    assert first >= 100
    assert second >= 200


def test_after_the_last_attempt_the_report_is_dead_lettered(
    client: httpx.Client, worker: RunningProcess
) -> None:
    report = finished(client, post(client, work_ms=0, fail_attempts=10).headers["location"])
    assert report == {
        "id": report["id"],
        "status": "failed",
        "attempts": 3,
        "error": "attempt 3 failed",
    }
    dead = client.get("/dead-letters").json()["reports"]
    assert report in dead


# --8<-- [start:kill]
def test_a_worker_killed_mid_job_loses_nothing_and_commits_once(
    runtime: str, example: str, redis_server: RedisServer
) -> None:
    # A Redis database of its own: no other worker may take the job.
    env = {
        "REDIS_URL": redis_server.database_url(RUNTIMES.index(runtime) + 5),
        "JOB_LEASE_MS": "2000",
    }
    with (
        running_server(runtime, example, env=env) as api,
        httpx.Client(base_url=api.base_url, timeout=10) as client,
    ):
        with running_worker(runtime, example, env=env) as first:
            location = post(client, work_ms=3_000).headers["location"]
            deadline = time.monotonic() + 30
            while client.get(location).json()["status"] != "running":
                assert time.monotonic() < deadline, "never started"
                time.sleep(0.05)
            os.killpg(first.process.pid, signal.SIGKILL)  # mid-job
        with running_worker(runtime, example, env=env):
            report = finished(client, location, timeout=60)
        key = f"report:{location.rsplit('/', 1)[1]}"
        with redis.Redis.from_url(env["REDIS_URL"]) as db:
            effects = db.hget(key, "effects")
    assert (report["status"], report["attempts"], effects) == ("done", 2, b"1")


# --8<-- [end:kill]


def test_a_job_longer_than_the_lease_runs_twice_on_celery_once_on_bullmq(
    runtime: str, example: str, redis_server: RedisServer
) -> None:
    """The difference the page's table names: Celery's lease is not renewed."""
    env = {
        "REDIS_URL": redis_server.database_url(RUNTIMES.index(runtime) + 7),
        # Long enough that a busy machine does not delay BullMQ's renewals past it.
        "JOB_LEASE_MS": "4000",
    }
    with (
        running_server(runtime, example, env=env) as api,
        httpx.Client(base_url=api.base_url, timeout=10) as client,
        running_worker(runtime, example, env=env),
        running_worker(runtime, example, env=env),
    ):
        report = finished(client, post(client, work_ms=9_000).headers["location"], 60)
        key = f"report:{report['id']}"
        with redis.Redis.from_url(env["REDIS_URL"]) as db:
            effects = db.hget(key, "effects")
    expected_starts = {"python": 2, "node": 1}[runtime]
    assert (report["status"], report["attempts"], effects) == ("done", expected_starts, b"1")


@pytest.mark.parametrize("report_id", ["rpt_000000000000000000000000", "nope"])
def test_an_unknown_report_is_a_404_problem(client: httpx.Client, report_id: str) -> None:
    response = client.get(f"/reports/{report_id}")
    assert response.status_code == 404
    assert media_type(response) == "application/problem+json"
    assert response.json()["detail"] == f"There is no report {report_id}."


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({}, "/title"),
        ({"title": "Sales", "work_ms": "200"}, "/work_ms"),
        ({"title": "Sales", "work_ms": 2.5}, "/work_ms"),
        ({"title": "Sales", "fail_attempts": -1}, "/fail_attempts"),
        ({"title": "Sales", "fail_attempts": None}, "/fail_attempts"),
        ({"title": "Sales", "extra": 1}, "/extra"),
    ],
)
def test_a_bad_body_is_a_422_naming_the_field(
    client: httpx.Client, body: dict[str, Any], pointer: str
) -> None:
    response = client.post("/reports", json=body)
    assert response.status_code == 422
    assert [error["pointer"] for error in response.json()["errors"]] == [pointer]


def test_head_and_other_methods(client: httpx.Client, worker: RunningProcess) -> None:
    location = post(client, work_ms=0).headers["location"]
    finished(client, location)  # so GET and HEAD see the same state
    assert_head_like_get(client, location, 200)
    assert_method_not_allowed(client.delete(location))
    assert_method_not_allowed(client.get("/reports"), "POST")
    assert_method_not_allowed(client.post("/dead-letters"))


def test_both_runtimes_run_the_same_lua_scripts() -> None:
    """The workers share no code, so the scripts that make them agree are compared here."""
    typescript = (ROOT / "examples" / "node" / "jobs" / "store.ts").read_text()
    node = dict(re.findall(r"export const (\w+) = `([^`]*)`;", typescript))
    for name in ("CREATE", "START", "COMMIT", "FAIL"):
        assert node[name] == getattr(store, name), name

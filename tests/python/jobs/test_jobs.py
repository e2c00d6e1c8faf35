"""In-process tests of the Python reports API and its Celery worker, on a real Redis."""

import asyncio
import functools
import itertools
import runpy
import sys
import time
from collections.abc import Iterator
from typing import Any, cast

import httpx
import pytest
import redis
from celery.contrib.testing.worker import start_worker
from fastapi import FastAPI

from examples.python.jobs.main import create_app
from examples.python.jobs.store import JobSettings
from examples.python.jobs.worker import create_celery, say_ready
from scripts.redis_server import RedisServer
from scripts.servers import free_port
from tests.python.asgi import in_process

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings(redis_server: RedisServer) -> JobSettings:
    with redis.Redis.from_url(redis_server.url) as connection:
        connection.flushall()
    return JobSettings(redis_url=redis_server.url, retry_base_ms=100, job_lease_ms=2_000)


@pytest.fixture
def worker(settings: JobSettings) -> Iterator[None]:
    """A Celery worker in a thread of this process, as the tests need."""
    celery = create_celery(settings)
    # Redis is asked for work every 0.1 s, not every second, which leaving paid each time.
    celery.conf.broker_transport_options["polling_interval"] = 0.1
    with start_worker(celery, pool="solo", perform_ping_check=False):
        yield


@pytest.fixture
def app(settings: JobSettings) -> FastAPI:
    return create_app(settings)


async def finished(client: httpx.AsyncClient, location: str) -> dict[str, Any]:
    """Poll the report until it is done or failed (at most 20 s)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        report: dict[str, Any] = (await client.get(location)).json()
        if report["status"] in ("done", "failed"):
            return report
        await asyncio.sleep(0.05)
    raise AssertionError(f"{location} still {report}")


def stored(settings: JobSettings, report_id: str) -> dict[str, str]:
    with redis.Redis.from_url(settings.redis_url, decode_responses=True) as connection:
        fields = connection.hgetall(f"report:{report_id}")
    return cast(dict[str, str], fields)


# --8<-- [start:tests]
async def test_a_report_is_accepted_then_done(
    client: httpx.AsyncClient,
    worker: None,
) -> None:
    response = await client.post("/reports", json={"title": "Sales"})
    assert response.status_code == 202
    location = response.headers["location"]
    queued = response.json()
    assert queued["status"] == "queued"
    assert location == f"/reports/{queued['id']}"
    report = await finished(client, location)
    assert report == {
        "id": queued["id"],
        "status": "done",
        "attempts": 1,
        "result": "Report on Sales",
    }


async def test_a_repeated_key_creates_no_second_job(
    client: httpx.AsyncClient, settings: JobSettings, worker: None
) -> None:
    headers = {"Idempotency-Key": "order-42"}
    body = {"title": "Once"}
    post = functools.partial(
        client.post,
        "/reports",
        json=body,
        headers=headers,
    )
    answers = await asyncio.gather(*(post() for _ in range(10)))
    # 409: a duplicate that came while the first was still being accepted.
    accepted = [answer for answer in answers if answer.status_code == 202]
    assert {answer.status_code for answer in answers} <= {202, 409}
    assert len({answer.json()["id"] for answer in accepted}) == 1
    report = await finished(client, accepted[0].headers["location"])
    assert report["attempts"] == 1
    assert stored(settings, report["id"])["effects"] == "1"


# --8<-- [end:tests]


async def test_failures_are_retried_with_growing_waits(
    client: httpx.AsyncClient, settings: JobSettings, worker: None
) -> None:
    body = {"title": "Flaky", "work_ms": 0, "fail_attempts": 2}
    location = (await client.post("/reports", json=body)).headers["location"]
    report = await finished(client, location)
    assert (report["status"], report["attempts"]) == ("done", 3)
    with redis.Redis.from_url(settings.redis_url, decode_responses=True) as connection:
        listed = connection.lrange(f"report:{report['id']}:starts", 0, -1)
    starts = [int(ms) for ms in cast(list[str], listed)]
    waits = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert waits[0] >= settings.retry_base_ms
    assert waits[1] >= 2 * settings.retry_base_ms


async def test_after_the_last_attempt_the_report_is_dead_lettered(
    client: httpx.AsyncClient, worker: None
) -> None:
    body = {"title": "Doomed", "work_ms": 0, "fail_attempts": 10}
    location = (await client.post("/reports", json=body)).headers["location"]
    report = await finished(client, location)
    assert report["status"] == "failed"
    assert report["attempts"] == 3
    assert report["error"] == "attempt 3 failed"
    dead = (await client.get("/dead-letters")).json()["reports"]
    assert [entry["id"] for entry in dead] == [report["id"]]


async def test_a_duplicate_while_the_first_is_in_progress_is_a_409(
    client: httpx.AsyncClient, settings: JobSettings
) -> None:
    headers = {"Idempotency-Key": "in-flight"}
    first = (await client.post("/reports", json={"title": "One"}, headers=headers)).json()
    with redis.Redis.from_url(settings.redis_url) as connection:
        # As if the first request were still between creating and queueing.
        connection.set(f"report:{first['id']}:accepting", "1", px=5_000)
    response = await client.post("/reports", json={"title": "One"}, headers=headers)
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/request-in-progress"


async def test_a_report_started_too_often_is_dead_lettered_not_run(
    client: httpx.AsyncClient, settings: JobSettings
) -> None:
    location = (await client.post("/reports", json={"title": "Killer"})).headers["location"]
    with redis.Redis.from_url(settings.redis_url) as connection:
        # As if three workers had been killed during it.
        connection.hset(f"report:{location.rsplit('/', 1)[1]}", "attempts", 3)
    with start_worker(create_celery(settings), pool="solo", perform_ping_check=False):
        report = await finished(client, location)
    assert report["error"] == "gave up after 3 attempts"


async def test_the_same_key_with_another_body_is_a_422(
    client: httpx.AsyncClient, worker: None
) -> None:
    headers = {"Idempotency-Key": "k-1"}
    await client.post("/reports", json={"title": "First"}, headers=headers)
    response = await client.post("/reports", json={"title": "Other"}, headers=headers)
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/idempotency-key-reused"


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9", "two words"])
async def test_a_bad_idempotency_key_is_a_400(client: httpx.AsyncClient, key: str) -> None:
    response = await client.post(
        "/reports", json={"title": "Sales"}, headers={b"Idempotency-Key": key.encode()}
    )
    assert response.status_code == 400
    assert response.json()["type"] == "/problems/bad-idempotency-key"


async def test_a_repeated_idempotency_key_header_is_a_400(client: httpx.AsyncClient) -> None:
    headers = [("Idempotency-Key", "a"), ("Idempotency-Key", "b")]
    response = await client.post("/reports", json={"title": "Sales"}, headers=headers)
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({}, "/title"),
        ({"title": "Sales", "work_ms": "200"}, "/work_ms"),
        ({"title": "Sales", "work_ms": 1.5}, "/work_ms"),
        ({"title": "Sales", "work_ms": 10_001}, "/work_ms"),
        ({"title": "Sales", "fail_attempts": True}, "/fail_attempts"),
        ({"title": "Sales", "priority": 1}, "/priority"),
    ],
)
async def test_a_bad_body_is_a_422_and_queues_nothing(
    client: httpx.AsyncClient, body: dict[str, Any], pointer: str, settings: JobSettings
) -> None:
    response = await client.post("/reports", json=body)
    assert response.status_code == 422
    assert [error["pointer"] for error in response.json()["errors"]] == [pointer]
    with redis.Redis.from_url(settings.redis_url) as connection:
        assert connection.dbsize() == 0


@pytest.mark.parametrize("report_id", ["rpt_000000000000000000000000", "nope", "rpt_ZZ"])
async def test_an_unknown_report_is_a_404(client: httpx.AsyncClient, report_id: str) -> None:
    response = await client.get(f"/reports/{report_id}")
    assert response.status_code == 404
    assert response.json()["detail"] == f"There is no report {report_id}."


async def test_without_redis_the_post_is_a_503_with_retry_after() -> None:
    settings = JobSettings(redis_url=f"redis://127.0.0.1:{free_port()}/0")
    async with in_process(create_app(settings)) as client:
        response = await client.post("/reports", json={"title": "Sales"})
        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
        assert response.json()["type"] == "/problems/queue-unavailable"
        assert (await client.get("/healthz")).json() == {"status": "ok"}


def test_a_finished_report_delivered_again_is_not_run_again(settings: JobSettings) -> None:
    """The worker's START script: a duplicate message of a done report does nothing."""
    celery = create_celery(settings)
    task = celery.tasks["reports.build"]
    with redis.Redis.from_url(settings.redis_url, decode_responses=True) as connection:
        connection.hset("report:rpt_1", mapping={"status": "done", "attempts": 1, "effects": 1})
        task.apply(args=("rpt_1",))  # runs it here, as a redelivery would
        assert connection.hget("report:rpt_1", "effects") == "1"
        assert connection.hget("report:rpt_1", "attempts") == "1"


def test_bad_settings_stop_the_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOB_LEASE_MS", "10")
    monkeypatch.delitem(sys.modules, "examples.python.jobs.main", raising=False)
    with pytest.raises(SystemExit) as exit_:
        runpy.run_module("examples.python.jobs.main")
    assert "JOB_LEASE_MS:" in str(exit_.value.code)


def test_the_worker_says_when_it_is_ready(capsys: pytest.CaptureFixture[str]) -> None:
    say_ready()  # Celery calls it once the worker consumes; the contract waits for it
    assert capsys.readouterr().out == '{"level":"info","event":"worker ready"}\n'

"""The reports API: POST enqueues a report and answers 202; GET shows its state.

The work runs in another process (worker.py); this one only talks to Redis.
"""

# --8<-- [start:app]
import hashlib
import json
import re
import secrets
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, cast

import uvicorn
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from kombu.exceptions import OperationalError
from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError
from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.concurrency import run_in_threadpool

from examples.python import problem_details
from examples.python.jobs.store import (
    CREATE,
    DEAD_LETTERS,
    REPORT_TTL_S,
    JobSettings,
    accepting_key,
    report_key,
)
from examples.python.jobs.worker import TASK, create_celery
from examples.python.problem_details import Problem, problem_response
from examples.python.users import middleware
from examples.python.users.main import JSONRoute
from examples.python.users.schemas import Name
from examples.python.users.settings import describe

# Whole numbers, as JSON numbers only: "200" and true are refused, as in Zod.
WholeNumber = Annotated[float, Strict(), Field(multiple_of=1)]


class ReportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Name
    work_ms: Annotated[WholeNumber, Field(ge=0, le=10_000)] = 200
    fail_attempts: Annotated[WholeNumber, Field(ge=0, le=10)] = 0


# Visible ASCII, as the draft standard's examples; 255 at most.
IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,255}")
REPORT_ID = re.compile(r"rpt_[0-9a-f]{24}")
reports = APIRouter(route_class=JSONRoute)


def idempotency_key(request: Request) -> str | None:
    given = request.headers.getlist("idempotency-key")
    if not given:
        return None
    if len(given) > 1 or not IDEMPOTENCY_KEY.fullmatch(given[0]):
        raise Problem(
            400,
            type="/problems/bad-idempotency-key",
            detail="Idempotency-Key must be 1 to 255 visible ASCII characters.",
        )
    return given[0]


def new_report_id(key: str | None) -> str:
    # The same key always names the same report: that is what dedupes.
    if key is None:
        return f"rpt_{secrets.token_hex(12)}"
    return f"rpt_{hashlib.sha256(key.encode()).hexdigest()[:24]}"


async def load(redis: Redis, report_id: str) -> dict[str, str]:
    """The report's fields; none if there is no such report."""
    fields = await redis.hgetall(report_key(report_id))
    # decode_responses=True: str, where redis-py's types also allow bytes.
    return cast(dict[str, str], fields)


def state(report_id: str, fields: dict[str, str]) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "id": report_id,
        "status": fields["status"],
        "attempts": int(fields["attempts"]),
    }
    shown.update({k: fields[k] for k in ("result", "error") if k in fields})
    return shown


@reports.post("/reports", status_code=202)
async def create_report(
    body: ReportRequest, request: Request, response: Response
) -> dict[str, Any]:
    redis: Redis = request.app.state.redis
    key = idempotency_key(request)
    report_id = new_report_id(key)
    canonical = json.dumps(body.model_dump(), sort_keys=True)
    fingerprint = hashlib.sha256(canonical.encode()).hexdigest()
    values = (int(body.work_ms), int(body.fail_attempts), REPORT_TTL_S)
    accepting = accepting_key(report_id)
    existing = await request.app.state.create(
        keys=[report_key(report_id), accepting],
        args=[fingerprint, body.title, *values],
    )
    if existing is not None and existing != fingerprint:
        raise Problem(
            422,
            type="/problems/idempotency-key-reused",
            detail="This Idempotency-Key was used with another body.",
        )
    if existing is not None and await redis.exists(accepting):
        raise Problem(
            409,
            type="/problems/request-in-progress",
            detail="A request with this Idempotency-Key is in progress.",
        )
    fields = await load(redis, report_id)
    if fields["status"] == "queued":  # also after a crash before sending
        celery = request.app.state.celery
        await run_in_threadpool(
            celery.send_task, TASK, args=[report_id], task_id=report_id
        )
    await redis.delete(accepting)
    response.headers["Location"] = f"/reports/{report_id}"
    return state(report_id, fields)


@reports.get("/reports/{report_id}")
async def get_report(report_id: str, request: Request) -> dict[str, Any]:
    redis: Redis = request.app.state.redis
    fields = {}
    if REPORT_ID.fullmatch(report_id):
        fields = await load(redis, report_id)
    if not fields:
        raise Problem(404, detail=f"There is no report {report_id}.")
    return state(report_id, fields)


@reports.get("/dead-letters")
async def dead_letters(request: Request) -> dict[str, Any]:
    redis: Redis = request.app.state.redis
    listed = []
    ids = await redis.lrange(DEAD_LETTERS, 0, 99)
    for report_id in cast(list[str], ids):
        if fields := await load(redis, report_id):  # not expired
            listed.append(state(report_id, fields))
    return {"reports": listed}


def create_app(settings: JobSettings) -> FastAPI:
    redis = Redis.from_url(
        settings.redis_url,
        decode_responses=True,
        socket_timeout=2,
        socket_connect_timeout=2,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await redis.aclose()

    app = FastAPI(
        title="jobs",
        version="1.0.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        redirect_slashes=False,
        responses={"4XX": problem_details.OPENAPI_RESPONSE},
        dependencies=[Depends(problem_details.no_repeated_parameters)],
    )
    app.state.redis = redis
    app.state.create = redis.register_script(CREATE)
    app.state.celery = create_celery(settings)
    app.include_router(reports)

    @app.exception_handler(RedisError)
    @app.exception_handler(OperationalError)
    async def queue_unavailable(request: Request, exc: Exception) -> Response:
        # Nothing was queued; the client may send the same request again.
        detail = "The queue is unavailable; try again shortly."
        problem = Problem(
            503, type="/problems/queue-unavailable", detail=detail
        )
        return problem_response(problem, {"Retry-After": "1"})

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    problem_details.install(app)
    middleware.configure_logging(settings.log_level)
    app.add_middleware(middleware.BodyLimit)
    app.add_middleware(middleware.RequestLog)
    app.add_middleware(middleware.SecurityHeaders)
    return app


# --8<-- [end:app]
# --8<-- [start:main]
try:
    settings = JobSettings()
except ValidationError as error:
    sys.exit(describe(error))
app = create_app(settings)

if __name__ == "__main__":
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        access_log=False,
        server_header=False,
    )
# --8<-- [end:main]

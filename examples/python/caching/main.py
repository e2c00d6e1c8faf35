"""The users API with its reads cached in Redis (cache-aside).

It reuses the users example's database, schemas, routes and error handling;
only the cache is new (cache.py).
"""

# --8<-- [start:app]
import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict

import uvicorn
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from pydantic import Field, ValidationError
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import async_sessionmaker

from examples.python import problem_details
from examples.python.caching.cache import Row, UserCache
from examples.python.users import main as uncached
from examples.python.users import middleware
from examples.python.users.database import User, create_engine, migrate
from examples.python.users.database import prepare as prepare_database
from examples.python.users.main import JSONRoute, Session, id_of, no_such_user
from examples.python.users.schemas import User as UserOut
from examples.python.users.schemas import UserUpdate
from examples.python.users.settings import Settings, describe


class CacheSettings(Settings):
    """The users settings, plus REDIS_URL, CACHE_TTL_MS and READ_DELAY_MS."""

    database_url: str = Field(
        "sqlite:///caching-python.db", pattern=r"^(sqlite|postgresql)://"
    )
    redis_url: str = Field("redis://127.0.0.1:6379/0", pattern=r"^rediss?://")
    cache_ttl_ms: int = Field(60_000, ge=1)
    # A slow query (see load() below), so that concurrent misses overlap.
    read_delay_ms: int = Field(0, ge=0, le=10_000)


users = APIRouter(prefix="/users", route_class=JSONRoute)


def cache_of(request: Request) -> UserCache:
    cache: UserCache = request.app.state.cache
    return cache


# Creating a user changes no cached copy: the users example's route as is.
users.post("", status_code=201)(uncached.create_user)


@users.get("/{user_id}")
async def get_user(user_id: str, request: Request) -> UserOut:
    row = await cache_of(request).get(id_of(user_id))
    if row is None:
        raise no_such_user(user_id)
    return UserOut.model_validate(row)


# Writes: the users example's route, then the cached copy goes. Not before:
# a read in between would cache the old row again.
@users.patch("/{user_id}")
async def update_user(
    user_id: str, body: UserUpdate, db: Session, request: Request
) -> UserOut:
    user = await uncached.update_user(user_id, body, db)
    await cache_of(request).invalidate(user.id)
    return user


@users.delete("/{user_id}", status_code=204, response_class=Response)
async def delete_user(user_id: str, db: Session, request: Request) -> Response:
    response = await uncached.delete_user(user_id, db)
    await cache_of(request).invalidate(id_of(user_id))
    return response


def create_app(settings: CacheSettings) -> FastAPI:
    engine = create_engine(settings.database_url)
    redis = Redis.from_url(
        settings.redis_url,
        decode_responses=True,
        # A Redis that hangs must not hang the API: fail open quickly.
        socket_timeout=1,
        socket_connect_timeout=1,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await migrate(engine)
        yield
        await redis.aclose()
        await engine.dispose()

    app = FastAPI(
        title="caching",
        version="1.0.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        redirect_slashes=False,
        responses={"4XX": problem_details.OPENAPI_RESPONSE},
        dependencies=[Depends(problem_details.no_repeated_parameters)],
    )
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    app.state.sessions = sessions  # the users example's Session reads it

    async def load(user_id: int) -> Row | None:
        async with sessions() as db:
            user = await db.get(User, user_id)
        # A slow query, simulated: its answer arrives this much later.
        await asyncio.sleep(settings.read_delay_ms / 1000)
        if user is None:
            return None
        return UserOut.model_validate(user, from_attributes=True).model_dump()

    app.state.cache = cache = UserCache(redis, settings.cache_ttl_ms, load)
    app.include_router(users)

    @app.get("/stats")
    async def stats() -> dict[str, int]:
        return asdict(cache.stats)

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
    settings = CacheSettings()
except ValidationError as error:
    sys.exit(describe(error))
app = create_app(settings)

if __name__ == "__main__":
    if failure := asyncio.run(prepare_database(settings.database_url)):
        sys.exit(failure)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        access_log=False,
        server_header=False,
    )
# --8<-- [end:main]

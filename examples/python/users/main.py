"""The users API: create, read, list (keyset pagination), update and delete."""

# --8<-- [start:route-class]
import base64
import json
import re
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Annotated, Any

import uvicorn
from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.routing import APIRoute
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from examples.python import problem_details
from examples.python.problem_details import Problem
from examples.python.users import middleware
from examples.python.users.database import User, create_engine, migrate
from examples.python.users.schemas import User as UserOut
from examples.python.users.schemas import UserCreate, UserPage, UserUpdate
from examples.python.users.settings import Settings, describe


def reject_constant(name: str) -> float:
    # Python's json accepts NaN and Infinity.
    raise ValueError(f"{name} is not JSON")


class JSONRoute(APIRoute):
    """Check a body's media type and syntax before FastAPI validates its
    fields.
    """

    def get_route_handler(
        self,
    ) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_json(request: Request) -> Response:
            if request.method in ("POST", "PATCH"):
                media_type = (
                    request.headers.get("content-type", "")
                    .split(";")[0]
                    .strip()
                )
                if media_type.lower() != "application/json":
                    raise Problem(
                        415, detail="Send the body as application/json."
                    )
                body = await request.body()
                try:
                    json.loads(
                        body.decode("utf-8"), parse_constant=reject_constant
                    )
                except (UnicodeDecodeError, ValueError, RecursionError):
                    detail = (
                        "The body is empty."
                        if not body
                        else "The body is not valid JSON."
                    )
                    raise Problem(
                        400, type="/problems/malformed-json", detail=detail
                    ) from None
            return await handle(request)

        return handle_json


# --8<-- [end:route-class]
# --8<-- [start:routes]
MAX_ID = 2**53 - 1  # the largest id both runtimes represent exactly
users = APIRouter(prefix="/users", route_class=JSONRoute)


async def session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessions() as db_session:
        yield db_session


Session = Annotated[AsyncSession, Depends(session)]


async def find(db: AsyncSession, user_id: str) -> User:
    # An id that is not a positive integer names no user: 404, like any
    # unknown id.
    user = None
    if re.fullmatch(r"[0-9]{1,16}", user_id) and int(user_id) <= MAX_ID:
        user = await db.get(User, int(user_id))
    if user is None:
        raise Problem(404, detail=f"There is no user {user_id}.")
    return user


async def save(db: AsyncSession, user: User) -> UserOut:
    db.add(user)
    try:
        await db.commit()
    except IntegrityError:
        # The UNIQUE constraint decides, so concurrent requests can't race.
        raise Problem(
            409, type="/problems/duplicate-email", detail="The email is taken."
        ) from None
    return UserOut.model_validate(user, from_attributes=True)


@users.post("", status_code=201)
async def create_user(
    body: UserCreate, db: Session, response: Response
) -> UserOut:
    user = await save(db, User(**body.model_dump()))
    response.headers["Location"] = f"/users/{user.id}"
    return user


@users.get("/{user_id}")
async def get_user(user_id: str, db: Session) -> UserOut:
    return UserOut.model_validate(await find(db, user_id), from_attributes=True)


@users.patch("/{user_id}")
async def update_user(user_id: str, body: UserUpdate, db: Session) -> UserOut:
    user = await find(db, user_id)
    for field, value in body.model_dump(exclude_unset=True).items():
        setattr(user, field, value)
    return await save(db, user)


@users.delete("/{user_id}", status_code=204, response_class=Response)
async def delete_user(user_id: str, db: Session) -> Response:
    await db.delete(await find(db, user_id))
    await db.commit()
    return Response(status_code=204)  # no body, so no Content-Type either


# --8<-- [end:routes]
# --8<-- [start:list]
def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(str(last_id).encode()).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> int:
    """Cursors are opaque to clients; accept only what encode_cursor made."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        last_id = int(base64.urlsafe_b64decode(padded).decode("ascii"))
    except ValueError:
        last_id = -1
    if not 0 <= last_id <= MAX_ID or encode_cursor(last_id) != cursor:
        problem = Problem(
            422,
            type="/problems/validation-error",
            detail="The request is invalid.",
        )
        problem.errors.append(
            {"parameter": "cursor", "detail": "is not a cursor this API issued"}
        )
        raise problem
    return last_id


@users.get("")
async def list_users(
    db: Session,
    # Digits only, 1 to 100: the same pattern as the Node version, so " 5" or
    # "1e2" fail alike.
    limit: Annotated[str, Query(pattern=r"^(100|[1-9][0-9]?)$")] = "20",
    cursor: Annotated[str | None, Query()] = None,
) -> UserPage:
    size = int(limit)
    after = decode_cursor(cursor) if cursor is not None else 0
    query = (
        select(User).where(User.id > after).order_by(User.id).limit(size + 1)
    )
    rows = list(await db.scalars(query))
    page, more = rows[:size], len(rows) > size
    return UserPage(
        items=[
            UserOut.model_validate(row, from_attributes=True) for row in page
        ],
        next_cursor=encode_cursor(page[-1].id) if more else None,
    )


# --8<-- [end:list]
# --8<-- [start:app]
def create_app(settings: Settings) -> FastAPI:
    engine = create_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await migrate(engine)
        yield
        await engine.dispose()

    # No /docs or /redoc (they load scripts from a CDN); /openapi.json stays.
    app = FastAPI(
        title="users",
        version="1.0.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        redirect_slashes=False,
        responses={"4XX": problem_details.OPENAPI_RESPONSE},
    )
    app.state.sessions = async_sessionmaker(engine, expire_on_commit=False)
    app.include_router(users)

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
    # Fails fast, naming each bad variable, before anything starts.
    settings = Settings()
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

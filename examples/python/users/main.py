"""The users API: create, read, list (keyset pagination), update and delete."""

# --8<-- [start:route-class]
import asyncio
import base64
import json
import re
import sys
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Annotated, Any

import uvicorn
from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.routing import APIRoute
from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from examples.python import problem_details
from examples.python.problem_details import Problem
from examples.python.users import middleware
from examples.python.users.database import (
    User,
    create_engine,
    migrate,
    prepare,
)
from examples.python.users.schemas import User as UserOut
from examples.python.users.schemas import UserCreate, UserPage, UserUpdate
from examples.python.users.settings import Settings, describe


def reject_constant(name: str) -> float:
    # Python's json accepts NaN and Infinity.
    raise ValueError(f"{name} is not JSON")


MALFORMED = "/problems/malformed-json"
MAX_DEPTH = 32  # the Node version's limit too
STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')


def nesting(text: str) -> int:
    """How deep arrays and objects nest, counting brackets outside strings.

    Python's parser fails near 1,000 levels, JavaScript's much deeper; a
    limit of their own makes the two agree.
    """
    depth = deepest = 0
    for bracket in re.sub(r"[^\[\]{}]", "", STRINGS.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


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
                    text = body.decode("utf-8")
                    if nesting(text) > MAX_DEPTH:
                        detail = (
                            f"The body nests deeper than {MAX_DEPTH} levels."
                        )
                        raise Problem(400, type=MALFORMED, detail=detail)
                    # Numbers parse as JavaScript's do, as doubles: no
                    # 4,300-digit limit for int. FastAPI then reuses the value.
                    request._json = json.loads(
                        text, parse_constant=reject_constant, parse_int=float
                    )
                except (UnicodeDecodeError, ValueError):
                    detail = (
                        "The body is empty."
                        if not body
                        else "The body is not valid JSON."
                    )
                    raise Problem(400, type=MALFORMED, detail=detail) from None
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


def id_of(user_id: str) -> int:
    # An id that is not a positive integer names no user: 404, like any
    # unknown id (0 is never a row's id).
    if re.fullmatch(r"[0-9]{1,16}", user_id) and int(user_id) <= MAX_ID:
        return int(user_id)
    return 0


def no_such_user(user_id: str) -> Problem:
    return Problem(404, detail=f"There is no user {user_id}.")


async def find(db: AsyncSession, user_id: str) -> User:
    user = await db.get(User, id_of(user_id))
    if user is None:
        raise no_such_user(user_id)
    return user


@contextmanager
def email_must_be_free() -> Iterator[None]:
    try:
        yield
    except IntegrityError:
        # The UNIQUE constraint decides, so concurrent requests can't race.
        raise Problem(
            409, type="/problems/duplicate-email", detail="The email is taken."
        ) from None


@users.post("", status_code=201)
async def create_user(
    body: UserCreate, db: Session, response: Response
) -> UserOut:
    user = User(**body.model_dump())
    db.add(user)
    with email_must_be_free():
        await db.commit()
    response.headers["Location"] = f"/users/{user.id}"
    return UserOut.model_validate(user, from_attributes=True)


@users.get("/{user_id}")
async def get_user(user_id: str, db: Session) -> UserOut:
    return UserOut.model_validate(await find(db, user_id), from_attributes=True)


@users.patch("/{user_id}")
async def update_user(user_id: str, body: UserUpdate, db: Session) -> UserOut:
    # One statement, so no DELETE can come between a read and the write.
    statement = (
        update(User)
        .where(User.id == id_of(user_id))
        .values(body.model_dump(exclude_unset=True))
        .returning(User)
    )
    with email_must_be_free():
        user = (await db.scalars(statement)).one_or_none()
        await db.commit()
    if user is None:
        raise no_such_user(user_id)
    return UserOut.model_validate(user, from_attributes=True)


@users.delete("/{user_id}", status_code=204, response_class=Response)
async def delete_user(user_id: str, db: Session) -> Response:
    await db.delete(await find(db, user_id))
    await db.commit()
    return Response(status_code=204)  # no body, so no Content-Type either


# --8<-- [end:routes]
# --8<-- [start:list]
CURSOR = "^[A-Za-z0-9_-]+$"  # base64url without padding


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
    # Said in the document; decode_cursor() checks it was issued here.
    cursor: Annotated[
        str | None, Query(json_schema_extra={"pattern": CURSOR})
    ] = None,
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
        dependencies=[Depends(problem_details.no_repeated_parameters)],
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
    # A database it cannot reach or migrate stops the server with one line.
    if failure := asyncio.run(prepare(settings.database_url)):
        sys.exit(failure)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        access_log=False,
        server_header=False,
    )
# --8<-- [end:main]

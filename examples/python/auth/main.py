"""Sign-in and permissions: accounts, passwords, tokens, and who may do what.

POST /accounts registers, POST /sessions signs in and returns a JWT, GET /me
and PATCH /accounts/{id} need it, and only the account itself may PATCH.
Accounts and the sign-in counters live in Redis, shared by every instance.
"""

import secrets
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, cast

import jwt
import uvicorn
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    ValidationError,
)
from pydantic_settings import BaseSettings, SettingsConfigDict
from redis.asyncio import Redis

from examples.python import problem_details
from examples.python.auth.passwords import hash_password, verify_password
from examples.python.problem_details import Problem
from examples.python.users import middleware
from examples.python.users.main import JSONRoute
from examples.python.users.schemas import Email, Name, UserCreate
from examples.python.users.settings import describe


# --8<-- [start:settings]
class AuthSettings(BaseSettings):
    """JWT_SECRET (required), REDIS_URL, TOKEN_TTL_S, and the rest."""

    model_config = SettingsConfigDict(frozen=True)

    # HS256 signs with this secret: at least 32 characters, never a default.
    # SecretStr: shown as ********** in a log or a traceback.
    jwt_secret: SecretStr = Field(min_length=32)
    redis_url: str = Field("redis://127.0.0.1:6379/0", pattern=r"^rediss?://")
    token_ttl_s: int = Field(900, ge=60, le=86_400)  # a token lives 15 min
    scrypt_log_n: int = Field(17, ge=14, le=20)  # scrypt's N = 2^this
    signin_attempts: int = Field(5, ge=1, le=100)  # per e-mail, per window
    signin_window_s: int = Field(900, ge=1, le=86_400)
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    log_level: str = Field("info", pattern="^(debug|info|warning|error)$")


# --8<-- [end:settings]
# --8<-- [start:schemas]
Password = Annotated[
    str, StringConstraints(strict=True, min_length=12, max_length=128)
]


class AccountCreate(UserCreate):
    password: Password


class AccountUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Email
    # Any length up to the limit: a wrong password is a 401, not a 422.
    password: Annotated[str, StringConstraints(strict=True, max_length=128)]


# --8<-- [end:schemas]
ISSUER = AUDIENCE = "guide-auth"
accounts = APIRouter(route_class=JSONRoute)


def shown(account: dict[str, str]) -> dict[str, str]:
    return {key: account[key] for key in ("id", "email", "name")}


async def load(redis: Redis, account_id: str) -> dict[str, str]:
    fields = await redis.hgetall(f"account:{account_id}")
    return cast(dict[str, str], fields)  # decode_responses=True: str


@accounts.post("/accounts", status_code=201)
async def register(
    body: AccountCreate, request: Request, response: Response
) -> dict[str, str]:
    redis: Redis = request.app.state.redis
    settings: AuthSettings = request.app.state.settings
    account_id = f"acc_{secrets.token_hex(12)}"
    # Hash first: a failed hash then leaves no reservation behind.
    password = await hash_password(body.password, settings.scrypt_log_n)
    # NX: of two registrations for one address, one wins.
    if not await redis.set(f"account-email:{body.email}", account_id, nx=True):
        raise Problem(
            409,
            type="/problems/email-taken",
            detail="An account with this e-mail address exists.",
        )
    account: dict[Any, str] = {  # Any: redis-py's mapping type
        "id": account_id,
        "email": body.email,
        "name": body.name,
        "password": password,
    }
    await redis.hset(f"account:{account_id}", mapping=account)
    response.headers["Location"] = f"/accounts/{account_id}"
    return shown(account)


# --8<-- [start:sign-in]
def too_many(retry_after_ms: int) -> Problem:
    seconds = max(1, -(-retry_after_ms // 1000))  # rounded up
    return Problem(
        429,
        type="/problems/too-many-attempts",
        detail="Too many sign-in attempts for this account; wait and retry.",
        headers={"Retry-After": str(seconds)},
    )


@accounts.post("/sessions")
async def sign_in(body: SignIn, request: Request) -> dict[str, Any]:
    redis: Redis = request.app.state.redis
    settings: AuthSettings = request.app.state.settings
    # Count the attempt before checking it, in one transaction: parallel
    # guesses cannot slip past the limit between a check and an increment.
    counter = f"signin-attempts:{body.email}"
    window_ms = settings.signin_window_s * 1000
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incr(counter)
        pipe.pexpire(counter, window_ms, nx=True)  # the window's start
        pipe.pttl(counter)
        attempts, _, ttl_ms = await pipe.execute()
    if attempts > settings.signin_attempts:
        raise too_many(ttl_ms)
    account_id = cast(
        str | None, await redis.get(f"account-email:{body.email}")
    )
    account = await load(redis, account_id) if account_id else {}
    # An unknown address costs the same hash as a wrong password, and gets
    # the same answer: neither time nor text tells which accounts exist.
    stored = account.get("password", request.app.state.decoy)
    if not await verify_password(body.password, stored) or not account:
        raise Problem(
            401,
            type="/problems/invalid-credentials",
            detail="The e-mail address or the password is wrong.",
        )
    await redis.delete(counter)  # the owner is back: a fresh allowance
    now = int(time.time())
    claims = {
        "sub": account["id"],
        "iat": now,
        "exp": now + settings.token_ttl_s,
        "iss": ISSUER,
        "aud": AUDIENCE,
    }
    secret = settings.jwt_secret.get_secret_value()
    token = jwt.encode(claims, secret, algorithm="HS256")
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": settings.token_ttl_s,
    }


# --8<-- [end:sign-in]
# --8<-- [start:verify]
def unauthorized(detail: str, error: str | None = "invalid_token") -> Problem:
    # RFC 6750: say which scheme to use; name the error if a token was sent.
    challenge = f'Bearer error="{error}"' if error else "Bearer"
    return Problem(
        401,
        type="/problems/unauthorized",
        detail=detail,
        headers={"WWW-Authenticate": challenge},
    )


async def current_account(request: Request) -> dict[str, str]:
    """The account whose valid token came with the request, or a 401."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise unauthorized("Send a bearer token.", error=None)
    settings: AuthSettings = request.app.state.settings
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret.get_secret_value(),
            algorithms=["HS256"],  # never the token's own choice of "alg"
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub"]},
            leeway=5,  # seconds of clock skew between the instances
        )
    except jwt.InvalidTokenError:
        # Expired, tampered with, signed with another key or algorithm.
        raise unauthorized("The token is invalid or has expired.") from None
    account = await load(request.app.state.redis, str(claims["sub"]))
    if not account:
        raise unauthorized("The token's account no longer exists.")
    return account


Account = Annotated[dict[str, str], Depends(current_account)]


@accounts.get("/me")
async def me(account: Account) -> dict[str, str]:
    return shown(account)


@accounts.patch("/accounts/{account_id}")
async def update(
    account_id: str, body: AccountUpdate, account: Account, request: Request
) -> dict[str, str]:
    # Object-level authorisation (OWASP API1): a valid token is not enough;
    # it must be this account's. Others get 403 whether or not it exists.
    if account_id != account["id"]:
        raise Problem(
            403,
            type="/problems/forbidden",
            detail="You may change only your own account.",
        )
    redis: Redis = request.app.state.redis
    await redis.hset(f"account:{account_id}", "name", body.name)
    return shown({**account, "name": body.name})


# --8<-- [end:verify]
# --8<-- [start:app]
def create_app(settings: AuthSettings) -> FastAPI:
    redis = Redis.from_url(
        settings.redis_url,
        decode_responses=True,
        socket_timeout=2,
        socket_connect_timeout=2,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # A hash of a random password, to check unknown addresses against.
        decoy = secrets.token_urlsafe(16)
        app.state.decoy = await hash_password(decoy, settings.scrypt_log_n)
        yield
        await redis.aclose()

    app = FastAPI(
        title="auth",
        version="1.0.0",
        lifespan=lifespan,
        openapi_url=None,  # the Node twin serves none
        redirect_slashes=False,
        dependencies=[Depends(problem_details.no_repeated_parameters)],
    )
    app.state.redis, app.state.settings = redis, settings
    app.include_router(accounts)

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
if __name__ == "__main__":
    # Here, not at import: without JWT_SECRET there is nothing to start.
    try:
        settings = AuthSettings()  # JWT_SECRET comes from the environment
    except ValidationError as error:
        sys.exit(describe(error))
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        access_log=False,
        server_header=False,
    )
# --8<-- [end:main]

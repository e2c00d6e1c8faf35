"""RFC 9457 problem details for every example.

Nothing but a problem reaches the client. One module for all topics, so every
example answers errors in the same shape, and in the same shape as
examples/node/problem-details.ts.
"""

# --8<-- [start:problem-details]
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PROBLEM_JSON = "application/problem+json"
TITLES = {
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
}


class ProblemBody(BaseModel):
    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[dict[str, str]] | None = None


OPENAPI_RESPONSE = {
    "description": "A problem (RFC 9457)",
    "content": {PROBLEM_JSON: {"schema": ProblemBody.model_json_schema()}},
}


class Problem(Exception):
    """Raise anywhere to answer with a problem.

    `type` defaults to the bare HTTP status.
    """

    def __init__(
        self,
        status: int,
        *,
        type: str = "about:blank",
        detail: str | None = None,
        headers: dict[str, str] | None = None,  # e.g. Retry-After
    ):
        self.status, self.type, self.detail = status, type, detail
        self.headers = headers or {}
        self.errors: list[dict[str, str]] = []


def problem_response(
    problem: Problem, headers: dict[str, str] | None = None
) -> JSONResponse:
    title = TITLES.get(problem.status) or HTTPStatus(problem.status).phrase
    body: dict[str, object] = {
        "type": problem.type,
        "title": title,
        "status": problem.status,
    }
    if problem.detail:
        body["detail"] = problem.detail
    if problem.errors:
        body["errors"] = problem.errors
    return JSONResponse(
        body, problem.status, headers=headers, media_type=PROBLEM_JSON
    )


def validation_problem(exc: RequestValidationError) -> Problem:
    problem = Problem(
        422, type="/problems/validation-error", detail="The request is invalid."
    )
    for error in exc.errors():
        where, *path = error["loc"]
        if where == "body":  # a JSON Pointer (RFC 6901) into the request body
            pointer = "".join(
                f"/{str(p).replace('~', '~0').replace('/', '~1')}" for p in path
            )
            problem.errors.append({"pointer": pointer, "detail": error["msg"]})
        else:
            problem.errors.append(
                {"parameter": str(path[0]), "detail": error["msg"]}
            )
    return problem


def no_repeated_parameters(request: Request) -> None:
    """A query parameter given twice is ambiguous: a 422, as in the Node twin
    (FastAPI alone would keep the last value).
    """
    query = request.query_params
    if repeated := sorted(
        {name for name in query if len(query.getlist(name)) > 1}
    ):
        problem = Problem(
            422,
            type="/problems/validation-error",
            detail="The request is invalid.",
        )
        for name in repeated:
            problem.errors.append(
                {"parameter": name, "detail": "must be given once"}
            )
        raise problem


METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> str:
    # Starlette's own Allow header names the methods of the first route that
    # matched the path only; RFC 9110 wants every method the resource
    # supports, so ask every route. HEAD goes wherever GET does.
    def allowed(method: str) -> bool:
        method = "GET" if method == "HEAD" else method
        return any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in request.app.router.routes
        )

    return ", ".join(method for method in METHODS if allowed(method))


class HeadLikeGet:
    """Answer HEAD as GET without the body (RFC 9110, 9.3.2), as Express
    does: FastAPI's routes answer only the methods they name.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(
        self, scope: Scope, receive: Receive, send: Send
    ) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            return await self.app(scope, receive, send)

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        as_get = {**scope, "method": "GET"}
        try:
            await self.app(as_get, receive, send_headers_only)
        finally:
            # What routing found (the route), for the middleware outside.
            scope.update({k: v for k, v in as_get.items() if k not in scope})


def install(app: FastAPI) -> None:
    """Answer problems, bad input (422), unknown routes (404), wrong
    methods (405; HEAD as GET) and crashes (500).
    """

    app.add_middleware(HeadLikeGet)

    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(
        request: Request, exc: RequestValidationError
    ) -> JSONResponse:
        return problem_response(validation_problem(exc))

    @app.exception_handler(HTTPException)
    async def on_http(request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 405:
            return problem_response(
                Problem(405), {"Allow": allowed_methods(request)}
            )
        return problem_response(Problem(exc.status_code))

    @app.exception_handler(Exception)
    async def on_crash(request: Request, exc: Exception) -> JSONResponse:
        # Starlette logs the traceback after this; the client learns nothing.
        crash = Problem(500, detail="An unexpected error occurred.")
        return problem_response(crash)


# --8<-- [end:problem-details]

"""RFC 9457 problem details, shared by the small examples (hello and the concurrency ones)."""

# --8<-- [start:problem-details]
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

PROBLEM_JSON = "application/problem+json"


def problem(status: int, title: str, **extra: object) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, **extra}
    return JSONResponse(body, status, media_type=PROBLEM_JSON)


def install_problem_details(app: FastAPI) -> None:
    """Answer unknown routes (404), wrong methods (405) and bad parameters (422) as problems."""

    @app.exception_handler(HTTPException)
    async def http_problem(request: Request, exc: HTTPException) -> JSONResponse:
        response = problem(exc.status_code, exc.detail)
        response.headers.update(exc.headers or {})  # e.g. the Allow header of a 405
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_problem(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"parameter": str(error["loc"][-1]), "detail": error["msg"]} for error in exc.errors()
        ]
        return problem(422, "Unprocessable Content", errors=errors)


# --8<-- [end:problem-details]

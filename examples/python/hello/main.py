"""The smallest useful API: a greeting and a health check, with errors as RFC 9457 problems."""

# --8<-- [start:app]
import os
from typing import Annotated

import uvicorn
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

# No redirect from /healthz/ to /healthz: an unknown path is a 404, as in the Node version.
app = FastAPI(title="hello", redirect_slashes=False)


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/hello")
def hello(name: Annotated[str, Query(min_length=1, max_length=40)] = "world") -> dict[str, str]:
    return {"message": f"Hello, {name}!"}


# --8<-- [end:app]
# --8<-- [start:errors]
PROBLEM_JSON = "application/problem+json"


@app.exception_handler(HTTPException)
async def http_problem(request: Request, exc: HTTPException) -> JSONResponse:
    # 404 for unknown routes, 405 (with its Allow header) for wrong methods.
    body = {"type": "about:blank", "title": exc.detail, "status": exc.status_code}
    return JSONResponse(body, exc.status_code, headers=exc.headers, media_type=PROBLEM_JSON)


@app.exception_handler(RequestValidationError)
async def validation_problem(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [
        {"parameter": str(error["loc"][-1]), "detail": error["msg"]} for error in exc.errors()
    ]
    body = {"type": "about:blank", "title": "Unprocessable Content", "status": 422}
    return JSONResponse(body | {"errors": errors}, 422, media_type=PROBLEM_JSON)


# --8<-- [end:errors]
# --8<-- [start:main]
if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8080"))
    uvicorn.run(app, host=os.environ.get("HOST", "127.0.0.1"), port=port)
# --8<-- [end:main]

"""The smallest useful API: a greeting and a health check.

Errors are answered as RFC 9457 problems.
"""

# --8<-- [start:app]
import os
from typing import Annotated

import uvicorn
from fastapi import Depends, FastAPI, Query

from examples.python.problem_details import install, no_repeated_parameters

# No redirect from /healthz/ to /healthz: an unknown path is a 404, as in the
# Node version. ?name=a&name=b is a 422, not the last value.
app = FastAPI(
    title="hello",
    redirect_slashes=False,
    # No /openapi.json, /docs or /redoc: the Node twin has none (users serves
    # OpenAPI in both).
    openapi_url=None,
    dependencies=[Depends(no_repeated_parameters)],
)
install(app)  # problems; 405 with Allow; HEAD answered as GET


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/hello")
def hello(
    name: Annotated[str, Query(min_length=1, max_length=40)] = "world",
) -> dict[str, str]:
    return {"message": f"Hello, {name}!"}


# --8<-- [end:app]
# --8<-- [start:main]
if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8080"))
    uvicorn.run(app, host=os.environ.get("HOST", "127.0.0.1"), port=port)
# --8<-- [end:main]

"""Several processes on one port: gunicorn starts WORKERS uvicorn workers.

One Python process runs one event loop on one core (the GIL); to use more
cores, run more processes. gunicorn's master opens the port, forks the
workers, which all accept on it, and replaces any worker that dies.
"""

# --8<-- [start:workers]
import os
from typing import Any

from fastapi import FastAPI
from gunicorn.app.base import BaseApplication

from examples.python.scaling.main import app, settings


class Workers(BaseApplication):
    """gunicorn, configured in code rather than by a command line."""

    def __init__(self, application: FastAPI, options: dict[str, Any]) -> None:
        self.application, self.options = application, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> FastAPI:
        return self.application


# --8<-- [end:workers]
# --8<-- [start:main]
if __name__ == "__main__":
    Workers(
        app,
        {
            "bind": f"{settings.host}:{settings.port}",
            "workers": int(os.environ.get("WORKERS", "2")),
            # Uvicorn's event loop in each worker; gunicorn only manages them.
            "worker_class": "uvicorn_worker.UvicornWorker",
            "graceful_timeout": 10,
        },
    ).run()
# --8<-- [end:main]

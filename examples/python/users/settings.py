"""Configuration from the environment, validated once at start-up."""

# --8<-- [start:settings]
from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Read from DATABASE_URL, HOST, PORT and LOG_LEVEL.

    The names are case-insensitive.
    """

    model_config = SettingsConfigDict(frozen=True)

    # Not the Node twin's file: each runtime migrates its own database.
    database_url: str = Field(
        "sqlite:///users-python.db", pattern=r"^(sqlite|postgresql)://"
    )
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    log_level: Literal["debug", "info", "warning", "error"] = "info"


def describe(error: ValidationError) -> str:
    """One line per bad variable, named as the operator wrote it.

    No traceback.
    """
    lines = [
        f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}"
        for e in error.errors()
    ]
    return "invalid configuration:\n  " + "\n  ".join(lines)


# --8<-- [end:settings]

"""Configuration is validated once, at start-up, and bad values stop the process cleanly."""

import runpy
import sys

import pytest
from pydantic import ValidationError

from examples.python.users.settings import Settings, describe


def test_defaults() -> None:
    settings = Settings()
    assert (settings.database_url, settings.port, settings.log_level) == (
        "sqlite:///users-python.db",
        8080,
        "info",
    )


def test_environment_overrides_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "9000")
    monkeypatch.setenv("DATABASE_URL", "postgresql://app@db/users")
    assert (Settings().port, Settings().database_url) == (9000, "postgresql://app@db/users")


def test_every_bad_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "0")
    monkeypatch.setenv("LOG_LEVEL", "loud")
    with pytest.raises(ValidationError) as error:
        Settings()
    message = describe(error.value)
    assert message.startswith("invalid configuration:")
    assert "PORT:" in message
    assert "LOG_LEVEL:" in message


def test_the_module_exits_with_the_description(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://nope")
    monkeypatch.delitem(sys.modules, "examples.python.users.main", raising=False)  # run it afresh
    with pytest.raises(SystemExit) as exit_:
        runpy.run_module("examples.python.users.main")
    assert "DATABASE_URL:" in str(exit_.value.code)

"""Shared data for the harness tests: the committed results, their comparison, the schema."""

import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "data" / "bench" / "results.json"
PREVIOUS = ROOT / "data" / "bench" / "previous.json"
SCHEMA = ROOT / "data" / "bench" / "results.schema.json"


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


@pytest.fixture(scope="session")
def schema() -> dict[str, Any]:
    return load(SCHEMA)


@pytest.fixture(scope="session")
def committed() -> dict[str, Any]:
    return load(RESULTS)


@pytest.fixture(scope="session")
def previous() -> dict[str, Any]:
    """The full run before the committed one: the pages check the two against each other."""
    return load(PREVIOUS)


@pytest.fixture(scope="session")
def page_data(committed: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """Everything the Performance pages render from: the results and the two-run comparison."""
    return {**committed, "previous": previous}

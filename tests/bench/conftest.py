"""Shared data for the harness tests: the committed results, their comparison, the schema."""

import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "data" / "bench" / "results.json"
AGREEMENT = ROOT / "data" / "bench" / "agreement.json"
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
def agreement() -> dict[str, Any]:
    return load(AGREEMENT)


@pytest.fixture(scope="session")
def page_data(committed: dict[str, Any], agreement: dict[str, Any]) -> dict[str, Any]:
    """Everything the Performance pages render from: the results and the two-run comparison."""
    return {**committed, "agreement": agreement}

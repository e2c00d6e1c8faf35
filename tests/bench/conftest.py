"""Shared data for the harness tests: the committed results, their comparison, the schema."""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "data" / "bench" / "results.json"
AGREEMENT = ROOT / "data" / "bench" / "agreement.json"
SCHEMA = ROOT / "data" / "bench" / "results.schema.json"


@pytest.fixture(scope="session")
def schema() -> dict:
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def committed() -> dict:
    return json.loads(RESULTS.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def agreement() -> dict:
    return json.loads(AGREEMENT.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def page_data(committed: dict, agreement: dict) -> dict:
    """Everything the Performance pages render from: the results and the two-run comparison."""
    return {**committed, "agreement": agreement}

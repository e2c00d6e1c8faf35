"""Shared data for the harness tests: the committed results file and its schema."""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "data" / "bench" / "results.json"
SCHEMA = ROOT / "data" / "bench" / "results.schema.json"


@pytest.fixture(scope="session")
def schema() -> dict:
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def committed() -> dict:
    return json.loads(RESULTS.read_text(encoding="utf-8"))

"""The committed results file is valid, and the schema rejects a malformed one."""

import copy
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest


def validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def test_committed_results_validate(schema: dict[str, Any], committed: dict[str, Any]) -> None:
    validator(schema).validate(committed)


def test_the_run_before_is_committed_valid_full_and_earlier(
    schema: dict[str, Any], committed: dict[str, Any], previous: dict[str, Any]
) -> None:
    validator(schema).validate(previous)
    assert not previous["quick"]
    assert previous["date"] < committed["date"]


def test_a_full_run_counts_instructions_for_both_runtimes(committed: dict[str, Any]) -> None:
    if committed["quick"]:
        assert committed["instructions"] is None
        return
    counted = {(c["workload"], c["runtime"]) for c in committed["instructions"]["counts"]}
    assert {("cpu", "python"), ("cpu", "node")} <= counted


def test_committed_results_cover_every_planned_cell(committed: dict[str, Any]) -> None:
    servers = {server["id"] for server in committed["servers"]}
    cells = {(cell["workload"], cell["server"]) for cell in committed["results"]}
    for workload in committed["workloads"]:
        for server in set(workload["servers"]) & servers:
            assert (workload["id"], server) in cells


@pytest.mark.parametrize(
    "break_it",
    [
        lambda d: d.pop("machine"),
        lambda d: d["method"].update(host="0.0.0.0"),  # noqa: S104 - the value under test
        lambda d: d["results"][0]["summary"].pop("p99_ms"),
        lambda d: d["results"][0]["runs"][0].update(requests_per_s=-1),
        lambda d: d["results"][0]["summary"].pop("latency"),
        lambda d: d.update(instructions={"tool": "perf", "flags": {}, "method": "", "counts": []}),
    ],
    ids=["no-machine", "not-loopback", "no-p99", "negative-rate", "no-merged-latency", "no-counts"],
)
def test_schema_rejects_broken_results(
    schema: dict[str, Any],
    committed: dict[str, Any],
    break_it: Callable[[dict[str, Any]], object],
) -> None:
    broken = copy.deepcopy(committed)
    break_it(broken)
    with pytest.raises(jsonschema.ValidationError):
        validator(schema).validate(broken)

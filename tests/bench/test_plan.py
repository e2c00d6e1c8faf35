"""The plan fits its time budgets and names only servers and workloads that exist."""

from scripts.bench import config, harness, launch

FULL_BUDGET_S = 30 * 60  # five repetitions, 12,500 latency samples a cell, cachegrind counts
QUICK_BUDGET_S = 60


def test_full_run_fits_half_an_hour_with_five_repetitions() -> None:
    plan = config.plan(quick=False, newer_python="3.99.0")  # the longest plan
    assert plan.method.repetitions >= 5
    assert plan.method.warmup_s >= 1
    assert harness.estimate_s(plan) <= FULL_BUDGET_S


def test_quick_run_fits_a_minute_and_still_covers_every_workload() -> None:
    plan = config.plan(quick=True)
    assert harness.estimate_s(plan) < QUICK_BUDGET_S
    covered = {w.id for server in plan.servers for w in plan.workloads_for(server)}
    assert covered == {w.id for w in config.WORKLOADS}


def test_every_workload_names_known_servers_and_every_server_is_used() -> None:
    ids = {server.id for server in config.SERVERS}
    named = {server for workload in config.WORKLOADS for server in workload.servers}
    assert named <= ids
    assert named == ids


def test_the_ceiling_measures_the_json_workload() -> None:
    json_workload = next(w for w in config.WORKLOADS if w.id == "json")
    assert "nginx" in json_workload.servers
    assert launch.JSON_BODY == '{"message":"Hello, World!"}'


def test_io_workload_holds_256_connections() -> None:
    io = next(w for w in config.WORKLOADS if w.id == "io")
    assert io.connections == 256


def test_the_newer_cpython_server_runs_only_when_one_was_found() -> None:
    without = config.plan(quick=False)
    assert config.NEWER_PYTHON not in {s.id for s in without.servers}
    assert all(config.NEWER_PYTHON not in w.servers for w in without.workloads)
    found = config.plan(quick=False, newer_python="3.99.0")
    newer = next(s for s in found.servers if s.id == config.NEWER_PYTHON)
    assert (newer.python, newer.label) == ("3.99.0", "FastAPI, uvicorn[standard], CPython 3.99.0")
    assert {w.id for w in found.workloads if newer.id in w.servers} == {"json", "io", "cpu"}
    assert config.NEWER_PYTHON not in {s.id for s in config.plan(True, "3.99.0").servers}


def test_io_sync_runs_with_anyios_default_threads_and_with_the_limit_raised() -> None:
    io_sync = next(w for w in config.WORKLOADS if w.id == "io-sync")
    threads = {s.id: s.threads for s in config.SERVERS if s.id in io_sync.servers}
    assert threads == {"fastapi-uvicorn": 0, "fastapi-uvicorn-256-threads": io_sync.connections}
    assert "40 ÷ 20 ms = 2,000 req/s" in io_sync.notes

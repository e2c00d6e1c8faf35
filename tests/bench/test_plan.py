"""The plan fits its time budgets and names only servers and workloads that exist."""

from scripts.bench import config, harness, launch

FULL_BUDGET_S = 30 * 60  # five repetitions, 12,500 latency samples a cell, cachegrind counts
QUICK_BUDGET_S = 60


def test_full_run_fits_half_an_hour_with_five_repetitions() -> None:
    plan = config.plan(quick=False)
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

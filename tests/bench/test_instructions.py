"""Instruction counts: reading cachegrind's output, the per-call arithmetic, and a real count.

The real count runs valgrind (Debian packages valgrind and util-linux) and fails, with the
install command, where it is missing: `nox -s tests` installs it when root.
"""

import pytest

from scripts.bench import instructions
from scripts.bench.instructions import Workload

# The head and tail of a cachegrind output file written with --cache-sim=no.
COUNT_ONLY = """desc: I1 cache:         32768 B, 64 B, 8-way associative
desc: D1 cache:         32768 B, 64 B, 8-way associative
desc: LL cache:         268435456 B, 64 B, direct-mapped
cmd: .nox/tests/bin/python -m scripts.bench.count_driver json 100
events: Ir
fl=./csu/../csu/libc-start.c
fn=__libc_start_main@@GLIBC_2.34
128 2
134 3
fn=zlibVersion
0 2
summary: 157307434
"""
# With the cache simulation on, the summary holds a total for every event.
WITH_CACHES = """cmd: /bin/true
events: Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw
fl=./csu/../csu/libc-start.c
fn=__libc_start_main@@GLIBC_2.34
128 2 1 1 2 0 0 0 0 0
summary: 127785 1091 1072 29405 1227 1017 10266 344 312
"""
# valgrind's own report on stderr.
STDERR = """==9812== Command: .nox/tests/bin/python -m scripts.bench.count_driver json 100
==9812==
--9812-- warning: L3 cache found, using its data for the LL simulation.
==9812==
==9812== I   refs:      157,307,434
"""


def test_parse_ir_reads_the_summary_line() -> None:
    assert instructions.parse_ir(COUNT_ONLY) == 157_307_434


def test_parse_ir_picks_ir_among_several_events() -> None:
    assert instructions.parse_ir(WITH_CACHES) == 127_785


def test_parse_ir_reads_valgrinds_report() -> None:
    assert instructions.parse_ir(STDERR) == 157_307_434


def test_parse_ir_rejects_output_without_a_count() -> None:
    with pytest.raises(ValueError, match="no instruction count"):
        instructions.parse_ir("==1== valgrind: failed to start tool 'cachegrind'\n")


def test_per_call_divides_the_difference_by_the_extra_calls() -> None:
    # Measured: 5 and 25 calls of the pure-Python multiply.
    assert instructions.per_call(349_126_880, 1_163_036_369, 20) == pytest.approx(40_695_474.45)
    with pytest.raises(ValueError, match="more calls"):
        instructions.per_call(1, 1, 0)


def test_summary_keeps_each_repetition_and_the_totals() -> None:
    workload = Workload("cpu", "node", warmup=100, calls=1_000)
    totals = [(980_011_099, 3_035_872_057), (980_011_099, 3_035_874_057)]
    assert instructions.summarise(workload, totals) == {
        "workload": "cpu",
        "runtime": "node",
        "per_call": 2_055_862,
        "runs": [2_055_861, 2_055_863],
        "calls": 1_000,
        "warmup": 100,
        "totals": [
            {"baseline": 980_011_099, "measured": 3_035_872_057},
            {"baseline": 980_011_099, "measured": 3_035_874_057},
        ],
    }


def test_missing_valgrind_names_the_debian_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(instructions, "find_tool", lambda name: None)
    with pytest.raises(
        instructions.ToolMissingError, match="apt-get install -y util-linux valgrind"
    ):
        instructions.tools()


# Python only: each Node.js start under valgrind takes 15-50 s here, four of them would
# make this the suite's slowest test. Node's counts are taken by every full `nox -s bench`,
# twice, and scripts/bench/compare.py checks them against the run before (check b).
@pytest.mark.timeout(300)
def test_python_counts_repeat_to_the_instruction_and_measure_the_calls() -> None:
    block = instructions.count_all((Workload("cpu", "python", warmup=1, calls=3),))
    assert block["tool"].startswith("valgrind-")
    (python,) = block["counts"]
    assert python["runs"][0] == python["runs"][1]  # to the instruction
    # Measured with CPython 3.11: 40.7 M a call (a multiply is 64,000 multiply-adds). A
    # driver that made no calls, or the same calls in both runs, would count about 0.
    assert 25e6 < python["per_call"] < 60e6

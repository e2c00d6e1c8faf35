"""What the harness measures: the servers, the workloads, and the method's parameters."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING

from examples.python.bench.workloads import IO_DELAY_S

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

# Every figure in a full run rests on these; a --quick run shortens them (see QUICK).
LOAD_CPU_FLAG = 0.90  # a run whose load generator used more of its core is flagged


@dataclass(frozen=True)
class Method:
    repetitions: int = 5
    warmup_s: int = 1  # wrk runs this long first; its numbers are discarded
    throughput_s: int = 1  # then wrk measures throughput in windows this long
    throughput_windows: int = 2  # per repetition; the repetition's figure is their mean
    # Then the fixed-rate generator measures latency: 2,500 requests per repetition at
    # 1,000 req/s, so a cell's merged histogram holds over 10,000 and resolves p99.99.
    latency_s: float = 2.5
    startup_samples: int = 3  # cold starts timed per server and repetition
    wrk_threads: int = 1
    request_timeout_s: int = 2  # wrk takes whole seconds
    load_cpu_flag: float = LOAD_CPU_FLAG
    noise_probes: bool = True  # probe both cores before each window (scripts/bench/noise.py)
    # Instructions per call under cachegrind (scripts/bench/instructions.py): a few minutes.
    count_instructions: bool = True
    host: str = "127.0.0.1"


FULL = Method()
# --quick checks that the harness works, on whatever machine runs the tests.
QUICK = Method(
    repetitions=1,
    warmup_s=0,
    throughput_s=1,
    throughput_windows=1,
    latency_s=0.5,
    startup_samples=1,
    count_instructions=False,  # valgrind starting Node.js alone takes minutes
)


@dataclass(frozen=True)
class Server:
    id: str
    label: str
    runtime: str  # python, node or nginx
    framework: str
    http_server: str
    workers: int = 1
    source: str = ""  # the file that defines the app
    threads: int = 0  # AnyIO's worker-thread limit for `def` routes; 0 keeps its default
    python: str = ""  # a CPython version other than the harness's ("newer": found at run time)


@dataclass(frozen=True)
class Workload:
    id: str
    title: str
    path: str
    connections: int
    rate: int  # requests per second offered by the fixed-rate latency run
    servers: tuple[str, ...]
    notes: str = ""


# AnyIO runs at most 40 `def` routes at once (its default thread limiter); the io-sync
# workload also runs with the limit raised to its connection count.
ANYIO_DEFAULT_THREADS = 40
IO_SYNC_THREADS = 256
# The bench session also runs FastAPI on the newest CPython it finds (scripts/bench/
# interpreters.py), beside the same server on its own interpreter.
NEWER_PYTHON = "fastapi-uvicorn-newer-python"
SINGLE = ("fastapi-uvicorn", "starlette-uvicorn", "node-http", "express", "fastify")
SERVERS = (
    Server(
        "fastapi-uvicorn",
        "FastAPI, uvicorn[standard]",
        "python",
        "FastAPI",
        "uvicorn (uvloop, httptools)",
        source="examples/python/bench/main.py",
    ),
    Server(
        "fastapi-uvicorn-plain",
        "FastAPI, plain uvicorn",
        "python",
        "FastAPI",
        "uvicorn (asyncio, h11)",
        source="examples/python/bench/main.py",
    ),
    Server(
        "fastapi-granian",
        "FastAPI, Granian",
        "python",
        "FastAPI",
        "Granian (ASGI)",
        source="examples/python/bench/main.py",
    ),
    Server(
        "fastapi-uvicorn-256-threads",
        f"FastAPI, uvicorn[standard], {IO_SYNC_THREADS} threads",
        "python",
        "FastAPI",
        "uvicorn (uvloop, httptools)",
        source="examples/python/bench/main.py",
        threads=IO_SYNC_THREADS,
    ),
    Server(
        NEWER_PYTHON,
        "FastAPI, uvicorn[standard], newer CPython",
        "python",
        "FastAPI",
        "uvicorn (uvloop, httptools)",
        source="examples/python/bench/main.py",
        python="newer",
    ),
    Server(
        "starlette-uvicorn",
        "Starlette, uvicorn[standard]",
        "python",
        "Starlette",
        "uvicorn (uvloop, httptools)",
        source="examples/python/bench/starlette_app.py",
    ),
    Server(
        "fastapi-uvicorn-2w",
        "FastAPI, uvicorn, 2 workers",
        "python",
        "FastAPI",
        "uvicorn (uvloop, httptools)",
        workers=2,
        source="examples/python/bench/main.py",
    ),
    Server(
        "node-http", "node:http", "node", "none", "node:http", source="examples/node/bench/http.ts"
    ),
    Server(
        "express", "Express 5", "node", "Express", "node:http", source="examples/node/bench/app.ts"
    ),
    Server(
        "fastify",
        "Fastify 5",
        "node",
        "Fastify",
        "node:http",
        source="examples/node/bench/fastify.ts",
    ),
    Server(
        "express-cluster-2",
        "Express 5, cluster of 2",
        "node",
        "Express",
        "node:cluster",
        workers=2,
        source="examples/node/bench/cluster.ts",
    ),
    Server("nginx", "nginx (ceiling)", "nginx", "none", "nginx", source="scripts/bench/nginx.conf"),
)
MULTI = ("fastapi-uvicorn-2w", "express-cluster-2")
NEWER = (NEWER_PYTHON,)
ALT_PYTHON = ("fastapi-uvicorn-plain", "fastapi-granian")

WORKLOADS = (
    Workload(
        "json",
        "Small JSON response",
        "/json",
        64,
        1000,
        (*SINGLE, *ALT_PYTHON, *NEWER, *MULTI, "nginx"),
    ),
    Workload("db", "Read one row from SQLite", "/db", 64, 1000, SINGLE),
    Workload("io", "Await a 20 ms upstream", "/io", 256, 1000, (*SINGLE, *ALT_PYTHON, *NEWER)),
    Workload(
        "io-sync",
        "Block a thread for 20 ms",
        "/io/sync",
        IO_SYNC_THREADS,
        1000,
        ("fastapi-uvicorn", "fastapi-uvicorn-256-threads"),
        notes=(
            "FastAPI `def` handler: it runs on AnyIO's worker threads, not the event loop;"
            f" {ANYIO_DEFAULT_THREADS} of them by default, so at most"
            f" {ANYIO_DEFAULT_THREADS} ÷ {IO_DELAY_S * 1000:g} ms"
            f" = {ANYIO_DEFAULT_THREADS / IO_DELAY_S:,.0f} req/s;"
            f" the second server raises the limit to {IO_SYNC_THREADS}"
        ),
    ),
    Workload("cpu", "Matrix multiply, pure language", "/cpu", 64, 50, (*SINGLE, *NEWER, *MULTI)),
    Workload("cpu-numpy", "Matrix multiply, NumPy", "/cpu/numpy", 64, 50, ("fastapi-uvicorn",)),
    Workload("file", "Read a 16 KiB file", "/file", 64, 1000, SINGLE),
)
# --quick: one server per runtime plus the ceiling, and every workload they serve.
QUICK_SERVERS = ("fastapi-uvicorn", "express", "nginx")


@dataclass(frozen=True)
class Plan:
    method: Method
    servers: tuple[Server, ...]
    workloads: tuple[Workload, ...]
    quick: bool = False
    notes: dict[str, str] = field(default_factory=dict)

    def workloads_for(self, server: Server) -> list[Workload]:
        return [w for w in self.workloads if server.id in w.servers]


def plan(quick: bool, newer_python: str = "") -> Plan:
    """The run to make; `newer_python` is the version of the newer CPython found, if any."""
    servers = tuple(
        newer(server, newer_python) if server.python == "newer" else server
        for server in SERVERS
        if (not quick or server.id in QUICK_SERVERS) and (newer_python or server.python == "")
    )
    ids = {server.id for server in servers}
    workloads = tuple(
        replace(w, servers=tuple(s for s in w.servers if s in ids or s not in NEWER))
        for w in WORKLOADS
    )
    return Plan(QUICK if quick else FULL, servers, workloads, quick)


def newer(server: Server, version: str) -> Server:
    label = server.label.replace("newer CPython", f"CPython {version}")
    return replace(server, label=label, python=version)


def as_dict(item: DataclassInstance) -> dict[str, object]:
    return asdict(item)

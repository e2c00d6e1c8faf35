"""A fixed-rate HTTP load generator whose latencies correct for coordinated omission.

Debian packages `wrk` but not `wrk2`, so latency is measured here. Request i is due at
`start + i / rate`. Each connection takes the next due request when it is free. When the
connection was still busy at the due time, the request's latency runs from when it was
*due*, not from when it was sent: when the server stalls, the requests that queue behind
the stall count the waiting they suffered, which a closed-loop tool such as wrk leaves out
(the "coordinated omission" problem). When the connection was idle and waited for the due
time, latency runs from the moment it sent, so the event loop's timer slack (up to a
millisecond) is not charged to the server.

Run as `python -m scripts.bench.rategen --port P --path /json --rate 1000 --duration 2`;
it prints one JSON object. Only 127.0.0.1 is ever targeted. Besides its own percentiles, the
object holds every request's latency as an HdrHistogram (`histogram`, encoded as
scripts/bench/latency.py describes), so that the repetitions of a cell can be merged.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import time
from typing import TypedDict

from scripts.bench import latency

HOST = "127.0.0.1"


class Report(TypedDict):
    offered_rate: float
    achieved_rate: float
    completed: int
    errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    histogram: str  # every latency: scripts/bench/latency.py's encoding


async def read_response(reader: asyncio.StreamReader) -> int:
    """Read one HTTP/1.1 response; return its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while size := int((await reader.readline()).split(b";")[0], 16):
            await reader.readexactly(size + 2)
        await reader.readline()
    return status


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list (empty list: 0)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


async def generate(
    port: int, path: str, rate: float, duration: float, connections: int, timeout: float
) -> Report:
    clock = time.perf_counter  # uvloop's loop.time() counts whole milliseconds only
    request = f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode()
    total = max(1, int(rate * duration))
    latencies: list[float] = []
    counters = {"next": 0, "errors": 0, "non_2xx": 0}
    start = clock() + 0.05
    finished = start

    async def connection() -> None:
        nonlocal finished
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            while counters["next"] < total:
                due = start + counters["next"] / rate
                counters["next"] += 1
                origin = due
                if (wait := due - clock()) > 0:
                    await asyncio.sleep(wait)
                    # Idle until due: the loop's timers wake up to a millisecond late, and
                    # that lateness is this generator's, not the server's.
                    origin = clock()
                writer.write(request)
                status = await asyncio.wait_for(read_response(reader), timeout)
                finished = clock()
                latencies.append(finished - origin)
                if not 200 <= status < 300:
                    counters["non_2xx"] += 1
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            counters["errors"] += 1
        except TimeoutError:
            counters["errors"] += 1
        finally:
            writer.close()

    tasks = [asyncio.create_task(connection()) for _ in range(connections)]
    _, pending = await asyncio.wait(tasks, timeout=duration + timeout + 1)
    for task in pending:  # bounded: whatever is still running is cancelled and counted
        task.cancel()
        counters["errors"] += 1
    await asyncio.gather(*pending, return_exceptions=True)
    latencies.sort()
    return {
        "offered_rate": rate,
        # From the first request's due time to the last response.
        "achieved_rate": round(len(latencies) / max(finished - start, 1e-9), 1),
        "completed": len(latencies),
        "errors": counters["errors"] + counters["non_2xx"],
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 3),
        "p90_ms": round(percentile(latencies, 0.90) * 1000, 3),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 3),
        "max_ms": round((latencies[-1] if latencies else 0.0) * 1000, 3),
        "histogram": latency.record(latencies, timeout),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/")
    parser.add_argument("--rate", type=float, required=True)
    parser.add_argument("--duration", type=float, required=True)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--timeout", type=float, default=2.0)
    args = parser.parse_args()
    work = generate(args.port, args.path, args.rate, args.duration, args.connections, args.timeout)
    try:
        import uvloop  # a faster loop leaves more of the core to spare; optional
    except ImportError:
        result = asyncio.run(work)
    else:
        result = uvloop.run(work)
    print(json.dumps(result))


if __name__ == "__main__":
    main()

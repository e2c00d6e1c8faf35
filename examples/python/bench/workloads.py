"""The benchmark's workloads, shared by the Python bench servers.

The FastAPI and the Starlette server both use them. Each function computes
exactly what a route sends; examples/node/bench/workloads.ts does the same in
TypeScript, and the contract test checks that both send the same bytes.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

# --8<-- [start:data]
JSON_PAYLOAD = {"message": "Hello, World!"}
IO_DELAY_S = 0.020  # the simulated upstream call each /io request awaits
IO_WAITED_MS = round(IO_DELAY_S * 1000)
MATRIX_SIZE = 40
FILE_LINES = 256  # of 64 bytes each: a 16 KiB file
DATA_DIR = Path(
    os.environ.get("BENCH_DATA_DIR")
    or Path(tempfile.gettempdir()) / "bench-data"
)
# --8<-- [end:data]


# --8<-- [start:fixtures]
def file_content() -> bytes:
    """The 16 KiB text file /file reads: FILE_LINES identical 64-byte lines."""
    return ((b"0123456789abcdef" * 4)[:-1] + b"\n") * FILE_LINES


def prepare_fixtures(data_dir: Path = DATA_DIR) -> sqlite3.Connection:
    """Create the users database and data file if missing; open the database."""
    data_dir.mkdir(parents=True, exist_ok=True)
    file = data_dir / "data.txt"
    if not file.is_file():
        partial = data_dir / f"data.txt.{os.getpid()}"
        partial.write_bytes(file_content())
        # Atomic: a concurrent worker never reads half a file.
        partial.replace(file)
    # One connection per process, used only from the event loop's thread.
    db = sqlite3.connect(
        data_dir / "users.db", check_same_thread=False, isolation_level=None
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS users"
        " (id INTEGER PRIMARY KEY, name TEXT, email TEXT)"
    )
    db.execute(
        "INSERT OR IGNORE INTO users"
        " VALUES (1, 'Ada Lovelace', 'ada@example.com')"
    )
    return db


# --8<-- [end:fixtures]
# --8<-- [start:db]
def read_user(db: sqlite3.Connection) -> dict[str, object]:
    # A point read by primary key takes microseconds: like better-sqlite3 in
    # Node.js, it runs on the event loop's thread instead of paying for a hop
    # to a worker thread.
    user_id, name, email = db.execute(
        "SELECT id, name, email FROM users WHERE id = ?", (1,)
    ).fetchone()
    return {"id": user_id, "name": name, "email": email}


# --8<-- [end:db]
# --8<-- [start:cpu]
def matrix(size: int, a: int, b: int, modulus: int) -> list[list[int]]:
    return [
        [(a * i + b * j) % modulus for j in range(size)] for i in range(size)
    ]


LEFT = matrix(MATRIX_SIZE, 7, 3, 11)
RIGHT = matrix(MATRIX_SIZE, 5, 2, 13)


@functools.cache
def numpy_operands() -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    # Imported on first use, so servers that never call NumPy do not pay for
    # loading it.
    import numpy as np

    return np.array(LEFT, dtype=np.int64), np.array(RIGHT, dtype=np.int64)


def multiply_pure() -> dict[str, int]:
    """Multiply the two matrices in plain Python.

    Answers with checksums of the product.
    """
    columns = list(zip(*RIGHT, strict=True))
    product = [
        [sum(x * y for x, y in zip(row, col, strict=True)) for col in columns]
        for row in LEFT
    ]
    trace = sum(product[i][i] for i in range(MATRIX_SIZE))
    return {"n": MATRIX_SIZE, "trace": trace, "sum": sum(map(sum, product))}


def multiply_numpy() -> dict[str, int]:
    """The same product with NumPy, whose loops run in compiled code."""
    left, right = numpy_operands()
    product = left @ right
    return {
        "n": MATRIX_SIZE,
        "trace": int(product.trace()),
        "sum": int(product.sum()),
    }


# --8<-- [end:cpu]

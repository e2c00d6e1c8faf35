"""The shared workload functions: fixtures, the point read and both matrix products."""

from pathlib import Path

from examples.python.bench import workloads


def test_prepare_fixtures_creates_the_file_and_database_once(tmp_path: Path) -> None:
    db = workloads.prepare_fixtures(tmp_path)
    data_file = tmp_path / "data.txt"
    assert data_file.read_bytes() == workloads.file_content()
    assert len(workloads.file_content()) == 64 * workloads.FILE_LINES
    data_file.write_bytes(b"kept")  # a second start reuses what exists
    again = workloads.prepare_fixtures(tmp_path)
    assert data_file.read_bytes() == b"kept"
    assert again.execute("SELECT count(*) FROM users").fetchone() == (1,)
    assert workloads.read_user(db) == {"id": 1, "name": "Ada Lovelace", "email": "ada@example.com"}


def test_pure_and_numpy_products_agree_with_a_direct_sum() -> None:
    size, left, right = workloads.MATRIX_SIZE, workloads.LEFT, workloads.RIGHT
    cells = [
        [sum(left[i][k] * right[k][j] for k in range(size)) for j in range(size)]
        for i in range(size)
    ]
    expected = {
        "n": size,
        "trace": sum(cells[i][i] for i in range(size)),
        "sum": sum(sum(row) for row in cells),
    }
    assert workloads.multiply_pure() == expected
    assert workloads.multiply_numpy() == expected

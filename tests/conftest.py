"""Settings and fixtures shared by every test module."""

import subprocess
import sys
from pathlib import Path

import pytest

from scripts import doc_checks
from scripts.bench.render import render as render_performance_pages
from scripts.vendor_assets import vendor_assets


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    # The examples run on asyncio (uvicorn's loop); test on the same one only.
    return "asyncio"


@pytest.fixture(scope="session")
def performance_pages() -> None:
    """Render the Performance pages' tables and charts from data/bench/results.json."""
    render_performance_pages()


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory, performance_pages: None) -> Path:
    """Build the site with `mkdocs build --strict`; any warning fails the build."""
    vendor_assets()
    site = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=doc_checks.ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"strict build failed:\n{result.stderr}"
    return site

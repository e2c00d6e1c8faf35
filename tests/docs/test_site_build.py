"""The strict build succeeds and the pages show the example code they include."""

import html
import re
from pathlib import Path

import pytest

from scripts import doc_checks

PAGES_WITH_INCLUDES = sorted(
    {
        include.page
        for include in doc_checks.snippet_includes(doc_checks.site_markdown())
        if include.file.startswith(("examples/", "tests/"))
    }
)


def page_text(site: Path, page: Path) -> str:
    relative = page.relative_to(doc_checks.ROOT / "docs").with_suffix("")
    built = site / (relative.parent if relative.name == "index" else relative) / "index.html"
    without_tags = re.sub(r"<[^>]+>", "", built.read_text(encoding="utf-8"))
    return html.unescape(without_tags)


def section_lines(file: Path, section: str | None) -> list[str]:
    return [line.strip() for line in doc_checks.section_text(file, section) if line.strip()]


def test_mermaid_is_served_from_the_site(built_site: Path) -> None:
    assert (built_site / "assets" / "vendor" / "mermaid.min.js").stat().st_size > 100_000


def test_tooling_reference_is_generated_from_docstrings(built_site: Path) -> None:
    text = (built_site / "contributing" / "tooling" / "index.html").read_text(encoding="utf-8")
    assert "running_server" in text
    assert "Run one example server on a free port" in text


@pytest.mark.parametrize("page", PAGES_WITH_INCLUDES, ids=lambda p: p.name)
def test_included_sections_appear_on_the_built_page(built_site: Path, page: Path) -> None:
    text = page_text(built_site, page)
    for include in doc_checks.snippet_includes([page]):
        for line in section_lines(doc_checks.ROOT / include.file, include.section):
            assert line in text, f"{include.file}:{include.section} line missing: {line!r}"

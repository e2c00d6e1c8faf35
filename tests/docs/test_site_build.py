"""The strict build succeeds and the pages show the example code they include."""

import html
import json
import re
from pathlib import Path

import pytest

from scripts import doc_checks, search_index

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


def test_no_page_ships_the_mermaid_bundle(built_site: Path) -> None:
    # Diagrams are inline SVG drawn ahead of time (scripts/diagrams.py).
    assert not list(built_site.rglob("mermaid*.js"))


def test_tooling_reference_is_generated_from_docstrings(built_site: Path) -> None:
    text = (built_site / "contributing" / "tooling" / "index.html").read_text(encoding="utf-8")
    assert "running_server" in text
    assert "Run one example server on a free port" in text


@pytest.mark.parametrize("page", PAGES_WITH_INCLUDES, ids=lambda p: p.name)
def test_included_sections_appear_on_the_built_page(built_site: Path, page: Path) -> None:
    text = page_text(built_site, page)
    for include in doc_checks.snippet_includes([page]):
        if not include.file.startswith(("examples/", "tests/")):
            continue  # diagram sources: tests/scripts/test_diagrams.py guards those
        for line in section_lines(doc_checks.ROOT / include.file, include.section):
            assert line in text, f"{include.file}:{include.section} line missing: {line!r}"


def test_the_search_index_leaves_out_code_but_finds_apis_named_in_prose(
    built_site: Path,
) -> None:
    index = json.loads((built_site / "search" / "search_index.json").read_text("utf-8"))
    text = " ".join(entry["text"] for entry in index["docs"])
    # A line that only a code block shows (examples/python/hello/main.py), and the
    # markup Material indexes for code blocks.
    assert "<pre>" not in text
    assert "def hello(" not in text
    # The prose around the blocks still names the APIs readers look for.
    for name in ("TaskGroup", "AbortController", "worker_threads", "SQLAlchemy"):
        assert name in text, name


def test_the_search_hook_marks_each_highlighted_block() -> None:
    page = '<p>x</p><div class="language-python highlight"><pre><code>1</code></pre></div>'
    marked = search_index.exclude_code_blocks(page)
    assert '<div class="language-python highlight" data-search-exclude>' in marked
    assert marked.startswith("<p>x</p>")

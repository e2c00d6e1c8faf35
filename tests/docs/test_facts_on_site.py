"""Facts on the site come from data/facts.yml only, and a bad fact ID fails the strict build."""

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scripts import doc_checks, facts

TOKEN = re.compile(r"\[\[fact:([^\]\s]*)\]\]")
CODE_SPAN = re.compile(r"(`+).+?\1")


def quoted_ids() -> list[tuple[str, str]]:
    """(page, fact ID) for every fact token on the site, outside code spans and blocks."""
    found = []
    for page in doc_checks.site_markdown():
        fenced = {
            line
            for fence in doc_checks.find_fences(page)
            for line in range(fence.line, fence.line + len(fence.body) + 2)
        }
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            if number not in fenced:
                found += [
                    (page.name, fact_id) for fact_id in TOKEN.findall(CODE_SPAN.sub("", line))
                ]
    return found


def test_the_data_file_is_valid_and_every_fact_was_verified_in_the_past() -> None:
    data = facts.load()
    assert len(data) >= 40
    assert {fact.category for fact in data.values()} >= {"node", "python", "framework", "tool"}
    assert all(fact.verified <= dt.date.today() for fact in data.values())


def test_every_quoted_fact_exists() -> None:
    data = facts.load()
    quoted = quoted_ids()
    assert quoted, "no page quotes a fact: the mechanism is unused"
    assert [pair for pair in quoted if pair[1] not in data] == []


def test_the_reference_page_renders_every_category_that_has_facts() -> None:
    page = doc_checks.ROOT / "docs" / "reference" / "facts.md"
    tables = re.findall(r"^\[\[facts-table(?::([^\]]*))?\]\]$", page.read_text(), re.M)
    shown = {
        name.strip() for spec in tables for name in (spec or ",".join(facts.CATEGORIES)).split(",")
    }
    assert shown >= {fact.category for fact in facts.load().values()}


def test_the_built_site_holds_no_unexpanded_fact_token(built_site: Path) -> None:
    leftovers = [
        str(html.relative_to(built_site))
        for html in built_site.rglob("*.html")
        if TOKEN.search(CODE_SPAN.sub("", re.sub(r"<code>.*?</code>", "", html.read_text())))
    ]
    assert leftovers == [], "pages show [[fact:...]] tokens: is scripts.facts in mkdocs.yml?"


def mini_site(tmp_path: Path, page: str) -> subprocess.CompletedProcess[str]:
    """Build a one-page site with the project's extension, strictly, as the real site does."""
    docs = tmp_path / "docs"
    docs.mkdir()  # a page must not start with "word: ...", which MkDocs reads as metadata
    (docs / "index.md").write_text(page, encoding="utf-8")
    config = {
        "site_name": "facts",
        "docs_dir": str(docs),
        "site_dir": str(tmp_path / "site"),
        "theme": {"name": "material", "font": False},
        "markdown_extensions": ["tables", "scripts.facts"],
    }
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(tmp_path / "mkdocs.yml")],
        cwd=doc_checks.ROOT,  # `python -m` puts the root on sys.path, so `scripts.facts` imports
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_strict_build_quotes_a_known_fact(tmp_path: Path) -> None:
    result = mini_site(tmp_path, "# Page\n\nNode 20 ended on [[fact:node-20-eol]].\n")
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert f">{facts.value('node-20-eol')}</a>" in html


@pytest.mark.parametrize("token", ["[[fact:node-19-eol]]", "[[facts-table:nonsense]]"])
def test_strict_build_fails_on_an_unknown_fact_or_category(tmp_path: Path, token: str) -> None:
    result = mini_site(tmp_path, f"# Page\n\n{token}\n")
    assert result.returncode != 0
    assert "FactError" in result.stderr

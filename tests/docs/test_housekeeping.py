"""The built site names its address, titles its home page once, links nowhere local, and
gives every table column a header that says what it holds."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from mkdocs.utils.yaml import yaml_load

from scripts import doc_checks

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
TITLE = re.compile(r"<title>([^<]*)</title>")
CANONICAL = re.compile(r'<link rel="canonical" href="([^"]*)"')
# A link a reader's browser would follow to their own machine.
# A column header with nothing to read out (axe's empty-table-header).
EMPTY_HEADER = re.compile(r"<th\b[^>]*>\s*</th>")
LOCAL_LINK = re.compile(r"""(?:href|src)=["']\w+://(?:127\.\d+\.\d+\.\d+|localhost|\[::1\])""")


@pytest.fixture(scope="module")
def config() -> dict[str, object]:
    """mkdocs.yml as MkDocs reads it, `!ENV` values resolved."""
    with (doc_checks.ROOT / "mkdocs.yml").open(encoding="utf-8") as source:
        return yaml_load(source)


def built_pages(site: Path) -> dict[str, Path]:
    """Every page of the built site (not the 404 page) by its address below the site's."""
    return {
        "" if page.parent == site else f"{page.parent.relative_to(site).as_posix()}/": page
        for page in site.rglob("index.html")
        if not page.relative_to(site).parts[0].startswith("assets")
    }


def test_the_site_has_an_address(config: dict[str, object]) -> None:
    site_url = config["site_url"]
    assert isinstance(site_url, str)
    assert re.fullmatch(r"https://[^/]+/(?:[^/]+/)*", site_url), site_url


def test_the_sitemap_lists_every_page(built_site: Path, config: dict[str, object]) -> None:
    sitemap = ET.parse(built_site / "sitemap.xml").getroot()  # noqa: S314 - our own build
    listed = {loc.text for loc in sitemap.iter(f"{SITEMAP}loc")}
    expected = {f"{config['site_url']}{address}" for address in built_pages(built_site)}
    assert len(expected) > 30
    assert listed == expected


def test_every_page_names_its_canonical_address(
    built_site: Path, config: dict[str, object]
) -> None:
    wrong = {}
    for address, page in built_pages(built_site).items():
        found = CANONICAL.findall(page.read_text(encoding="utf-8"))
        if found != [f"{config['site_url']}{address}"]:
            wrong[address] = found
    assert wrong == {}


def test_the_home_page_title_is_the_site_name_once(
    built_site: Path, config: dict[str, object]
) -> None:
    site_name = str(config["site_name"])
    titles = {
        address: TITLE.findall(page.read_text(encoding="utf-8"))
        for address, page in built_pages(built_site).items()
    }
    assert titles[""] == [site_name]
    repeated = {
        address: title for address, title in titles.items() if str(title).count(site_name) != 1
    }
    assert repeated == {}


def found_on_pages(site: Path, pattern: re.Pattern[str]) -> dict[str, list[str]]:
    """The matches of `pattern` on each built page that has any, by address."""
    found = {
        address: pattern.findall(page.read_text(encoding="utf-8"))
        for address, page in built_pages(site).items()
    }
    return {address: matches for address, matches in found.items() if matches}


def test_no_page_links_to_the_readers_own_machine(built_site: Path) -> None:
    assert found_on_pages(built_site, LOCAL_LINK) == {}


def test_the_local_link_check_catches_one() -> None:
    assert LOCAL_LINK.findall('<a href="http://127.0.0.1:8000">preview</a>')
    assert LOCAL_LINK.findall("<a href='http://localhost:3000/x'>x</a>")
    assert not LOCAL_LINK.findall("<code>http://127.0.0.1:8000</code>")


def test_every_table_column_has_a_header(built_site: Path) -> None:
    assert found_on_pages(built_site, EMPTY_HEADER) == {}


def test_the_empty_header_check_catches_one() -> None:
    assert EMPTY_HEADER.findall('<tr><th></th><th align="left">Python</th></tr>')
    assert EMPTY_HEADER.findall('<th style="text-align: left;">\n</th>')
    assert not EMPTY_HEADER.findall("<th>Aspect</th>")

"""The diagrams drawn ahead of time: in step with their sources, complete, safe to inline."""

import copy
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from markdown import Markdown

from scripts import diagrams

SOURCES = sorted(diagrams.SOURCES.glob("*.mmd"))
NAMES = [path.stem for path in SOURCES]
SVG = "{http://www.w3.org/2000/svg}"
HEX_COLOUR = re.compile(r"[0-9a-fA-F]{3,8}")  # `#fafafa` in a declaration, not an id


def labels(source: str) -> list[str]:
    """The text a reader must find in the drawing: labels, messages, notes, conditions."""
    found = []
    for line in source.splitlines():
        line = line.strip()
        if line.startswith(("accTitle", "accDescr")) or not line:
            continue
        found += re.findall(r'"([^"]+)"', line)  # flowchart nodes, subgraphs, edge labels
        if participant := re.match(r"participant \w+ as (.+)", line):
            found.append(participant[1])
        elif message := re.match(r"(?:Note .+?|\w+\s*-[-x>)]+\s*\w+)\s*:\s*(.+)", line):
            found.append(message[1])
        elif block := re.match(r"(?:par|and|alt|else|loop|opt) (.+)", line):
            found.append(block[1])
    return [part for label in found for part in label.split("<br/>")]


def svg_words(svg: str) -> set[str]:
    """Every word drawn in the SVG, from its <text> elements."""
    root = ET.fromstring(svg)  # noqa: S314 - the repository's own file; proves well-formed
    return {
        word.strip("[]")  # mermaid draws a block's condition in brackets
        for text in root.iter(f"{SVG}text")
        for chunk in text.itertext()
        for word in chunk.split()
    }


def test_every_source_has_a_title() -> None:
    assert NAMES, "no diagram sources found"
    assert [path.name for path in SOURCES if diagrams.title_of(path.read_text()) is None] == []


def test_the_drawings_match_every_source() -> None:
    """The drift guard: a source edited without `nox -s diagrams` fails here."""
    problems = diagrams.stale_diagrams()
    assert problems == [], f"{problems}: {diagrams.RERENDER}"


def test_the_drift_guard_sees_an_edited_source_a_new_one_and_a_removed_one() -> None:
    manifest = copy.deepcopy(diagrams.load_manifest())
    first, second = NAMES[0], NAMES[1]
    manifest["diagrams"][first]["source_sha256"] = diagrams.source_hash("flowchart LR\n a-->b")
    del manifest["diagrams"][second]
    manifest["diagrams"]["gone"] = manifest["diagrams"][NAMES[2]]
    assert diagrams.stale_diagrams(manifest) == [
        f"{first}: the source changed since it was drawn",
        f"{second}: never drawn",
        "gone: drawn, but its source is gone",
    ]


def test_the_manifest_records_the_pinned_mermaid_version() -> None:
    pinned = diagrams.pinned_mermaid_version()
    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned)
    entries = diagrams.load_manifest()["diagrams"]
    assert {name: entry["mermaid"] for name, entry in entries.items()} == dict.fromkeys(
        NAMES, pinned
    )


def test_the_hash_ignores_trailing_spaces_and_blank_lines_only() -> None:
    source = "flowchart LR\n    a --> b\n"
    assert diagrams.source_hash(source) == diagrams.source_hash(f"\n{source}  \n\n")
    assert diagrams.source_hash(source) != diagrams.source_hash(source.replace("b", "c"))


@pytest.mark.parametrize("scheme", diagrams.SCHEMES)
@pytest.mark.parametrize("name", NAMES)
def test_each_drawing_exists_and_shows_every_label_of_its_source(name: str, scheme: str) -> None:
    entry = diagrams.load_manifest()["diagrams"][name]
    svg = (diagrams.RENDERED / entry[scheme]["file"]).read_text()
    words = svg_words(svg)
    source = (diagrams.SOURCES / f"{name}.mmd").read_text()
    missing = {word for label in labels(source) for word in label.split() if word not in words}
    assert labels(source)
    assert missing == set()
    assert "<title" in svg
    assert 'role="img"' in svg
    assert "<script" not in svg
    assert "foreignObject" not in svg


def test_the_two_schemes_use_different_colours() -> None:
    entry = diagrams.load_manifest()["diagrams"][NAMES[0]]
    light, dark = (
        (diagrams.RENDERED / entry[scheme]["file"]).read_text() for scheme in diagrams.SCHEMES
    )
    assert diagrams.THEME_VARIABLES["dark"]["primaryColor"] in dark
    assert diagrams.THEME_VARIABLES["dark"]["primaryColor"] not in light


@pytest.mark.parametrize("name", NAMES)
def test_the_minimum_width_keeps_the_smallest_text_legible(name: str) -> None:
    for scheme in diagrams.SCHEMES:
        drawing = diagrams.load_manifest()["diagrams"][name][scheme]
        scale = diagrams.min_width(drawing) / drawing["width"]
        assert drawing["min_font_px"] * scale >= diagrams.MIN_TEXT_PX
        assert math.isclose(drawing["min_font_px"] * scale, diagrams.MIN_TEXT_PX, rel_tol=0.02)


def fence(source: str, md: Markdown) -> str:
    return diagrams.fence_diagram(source, "mermaid", "mermaid", {}, md)


def page_with_every_diagram_twice() -> str:
    md = Markdown()
    return "".join(fence(path.read_text(), md) for path in SOURCES + SOURCES)


def test_ids_are_unique_on_a_page_with_every_diagram_twice() -> None:
    page = page_with_every_diagram_twice()
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})[:10]


def test_every_reference_in_a_copy_points_into_that_copy() -> None:
    """Markers, titles and style rules of a copy use that copy's elements, not another's.

    Mermaid's stylesheet also names elements a drawing may not have (`#diagram-gradient`
    in a sequence diagram); those must stay unresolved rather than find another copy's.
    """
    page = page_with_every_diagram_twice()
    page_ids = set(re.findall(r'\sid="([^"]+)"', page))
    figures = re.findall(r'<figure class="diagram" id="([^"]+)">(.*?)</figure>', page, re.DOTALL)
    assert len(figures) == 2 * len(SOURCES)
    for figure_id, body in figures:
        copies = re.findall(r"<svg\b.*?</svg>", body, re.DOTALL)
        assert len(copies) == 2
        for svg in copies:
            ids = set(re.findall(r'\sid="([^"]+)"', svg))
            references = re.findall(r"url\(#([^)]+)\)", svg)
            references += re.findall(r'href="#([^"]+)"', svg)
            for attribute in re.findall(r'aria-(?:labelledby|describedby)="([^"]+)"', svg):
                references += attribute.split()
            style = "".join(re.findall(r"<style>(.*?)</style>", svg, re.DOTALL))
            references += [
                name
                for name in re.findall(r"#([A-Za-z_][\w-]*)", style)
                if not HEX_COLOUR.fullmatch(name)
            ]
            assert references
            resolved = set(references) & page_ids
            assert resolved <= ids, f"{figure_id}: {resolved - ids}"
            root_id = re.search(r'<svg id="([^"]+)"', svg)
            assert root_id is not None
            assert root_id[1] in references  # its stylesheet is scoped to it


def test_the_figure_has_both_schemes_a_caption_and_a_focusable_scroll_box() -> None:
    source = (diagrams.SOURCES / "pipeline.mmd").read_text()
    html = fence(source, Markdown())
    entry = diagrams.load_manifest()["diagrams"]["pipeline"]
    assert 'class="diagram__svg diagram__svg--light"' in html
    assert 'class="diagram__svg diagram__svg--dark"' in html
    assert f">{entry['title']}<" in html
    assert 'tabindex="0"' in html
    assert "data-search-exclude" in html
    assert f"min-width: {diagrams.min_width(entry['light'])}px" in html


def test_a_source_edited_without_drawing_it_again_fails_the_build() -> None:
    """An unknown hash raises out of superfences, which fails `mkdocs build`."""
    edited = (diagrams.SOURCES / "pipeline.mmd").read_text() + "    site --> tests\n"
    md = Markdown(
        extensions=["pymdownx.superfences"],
        extension_configs={
            "pymdownx.superfences": {
                "custom_fences": [
                    {"name": "mermaid", "class": "mermaid", "format": diagrams.fence_diagram}
                ]
            }
        },
    )
    with pytest.raises(diagrams.DiagramError, match=r"nox -s diagrams"):
        md.convert(f"```mermaid\n{edited}```\n")
    source = (diagrams.SOURCES / "pipeline.mmd").read_text()
    assert '<figure class="diagram"' in md.reset().convert(f"```mermaid\n{source}```\n")


def test_unique_ids_renames_references_of_every_kind() -> None:
    svg = (
        '<svg id="root" aria-labelledby="t"><title id="t">T</title>'
        "<style>#root .a{fill:red}#root #m{x:1}</style>"
        '<marker id="m"/><path marker-end="url(#m)"/><use href="#m"/><g id="m"/></svg>'
    )
    renamed = diagrams.unique_ids(svg, "p")
    assert re.findall(r'\sid="([^"]+)"', renamed) == ["p-root", "p-t", "p-m", "p-m-2"]
    assert 'aria-labelledby="p-t"' in renamed
    assert "url(#p-m)" in renamed
    assert 'href="#p-m"' in renamed
    assert "#p-root .a{fill:red}#p-root #p-m{x:1}" in renamed


def test_manifest_entries_point_at_their_own_files(tmp_path: Path) -> None:
    entries: dict[str, Any] = diagrams.load_manifest()["diagrams"]
    for name, entry in entries.items():
        assert [entry[scheme]["file"] for scheme in diagrams.SCHEMES] == [
            f"{name}.{scheme}.svg" for scheme in diagrams.SCHEMES
        ]
    assert diagrams.load_manifest(tmp_path / "none.json") == {"diagrams": {}}

"""Diagrams drawn once, when their source changes, and inlined into the pages as SVG.

The pages hold no diagram library. Each diagram's Mermaid source is a file,
`docs/diagrams/NAME.mmd`, that a page includes in a fenced block:

    ```mermaid
    --8<-- "docs/diagrams/NAME.mmd"
    ```

`nox -s diagrams` (`python -m scripts.diagrams`) draws every source with the `mermaid`
package that package-lock.json pins, in Chromium driven by Playwright, twice: once in
the light colours and once in the dark ones of the site's theme. It writes
`docs/diagrams/rendered/NAME.light.svg` and `NAME.dark.svg`, and `manifest.json`, which
records for each diagram the hash of the source it was drawn from, the mermaid version,
its title, and the size of each drawing and of its smallest text. Those files are
committed, so building the site needs neither Node.js nor a browser.

At build time `fence_diagram`, registered in mkdocs.yml as the format of the `mermaid`
custom fence of pymdownx.superfences, finds the drawings by the hash of the fence's text
and inlines both in a figure; guide.css (part 2) shows the one that matches the
reader's colour scheme. A source edited without drawing it again has no drawings with
its hash, and the build fails with a message that says to run `nox -s diagrams`.

Each inlined copy gets ids of its own: Mermaid names markers and titles inside the SVG,
and two copies with the same ids on one page would point at each other's. On a narrow
screen the figure scrolls sideways instead of shrinking the text below `MIN_TEXT_PX`.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import math
import re
import sys
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markdown import Markdown
from pymdownx.superfences import SuperFencesException  # type: ignore[import-untyped]

from scripts.files import replace_if_changed

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "docs" / "diagrams"
RENDERED = SOURCES / "rendered"
MANIFEST = RENDERED / "manifest.json"
MERMAID_PACKAGE = ROOT / "node_modules" / "mermaid"
MERMAID_BUNDLE = MERMAID_PACKAGE / "dist" / "mermaid.min.js"
SCHEMES = ("light", "dark")
# The smallest text a reader should have to read, in CSS pixels: below it a figure
# scrolls sideways instead of shrinking further.
MIN_TEXT_PX = 11
RERENDER = "run `nox -s diagrams` to draw it again and commit docs/diagrams/rendered/"

# The site's theme (Material for MkDocs, indigo) in its light scheme (`default`) and its
# dark one (`slate`, whose page background is #1e2029). Every text colour has a contrast
# of at least 7:1 with the fill behind it; lines and borders at least 4.5:1 with the page.
FONT_FAMILY = '-apple-system, BlinkMacSystemFont, "Segoe UI", Helvetica, Arial, sans-serif'
THEME_VARIABLES: dict[str, dict[str, str]] = {
    "light": {
        "background": "#ffffff",
        "fontFamily": FONT_FAMILY,
        "primaryColor": "#e8eaf6",
        "primaryTextColor": "#1f1f1f",
        "primaryBorderColor": "#3f51b5",
        "secondaryColor": "#f5f5f5",
        "tertiaryColor": "#fafafa",
        "lineColor": "#546e7a",
        "textColor": "#1f1f1f",
        "titleColor": "#1f1f1f",
        "edgeLabelBackground": "#ffffff",
        "clusterBkg": "#f5f6fb",
        "clusterBorder": "#7986cb",
        "noteBkgColor": "#fff8e1",
        "noteTextColor": "#1f1f1f",
        "noteBorderColor": "#8d6e63",
        "actorBkg": "#e8eaf6",
        "actorBorder": "#3f51b5",
        "actorTextColor": "#1f1f1f",
        "actorLineColor": "#78909c",
        "signalColor": "#37474f",
        "signalTextColor": "#1f1f1f",
        "labelBoxBkgColor": "#e8eaf6",
        "labelBoxBorderColor": "#3f51b5",
        "labelTextColor": "#1f1f1f",
        "loopTextColor": "#1f1f1f",
        "activationBkgColor": "#f5f5f5",
        "activationBorderColor": "#546e7a",
        "sequenceNumberColor": "#ffffff",
    },
    "dark": {
        "darkMode": "true",
        "background": "#1e2029",
        "fontFamily": FONT_FAMILY,
        "primaryColor": "#2e3350",
        "primaryTextColor": "#e3e5ec",
        "primaryBorderColor": "#8c9eff",
        "secondaryColor": "#2a2d38",
        "tertiaryColor": "#262833",
        "lineColor": "#9aa3bd",
        "textColor": "#e3e5ec",
        "titleColor": "#e3e5ec",
        "edgeLabelBackground": "#1e2029",
        "clusterBkg": "#252836",
        "clusterBorder": "#7986cb",
        "noteBkgColor": "#2a2d38",
        "noteTextColor": "#e3e5ec",
        "noteBorderColor": "#bcaaa4",
        "actorBkg": "#2e3350",
        "actorBorder": "#8c9eff",
        "actorTextColor": "#e3e5ec",
        "actorLineColor": "#7d849b",
        "signalColor": "#c5cae9",
        "signalTextColor": "#e3e5ec",
        "labelBoxBkgColor": "#2e3350",
        "labelBoxBorderColor": "#8c9eff",
        "labelTextColor": "#e3e5ec",
        "loopTextColor": "#e3e5ec",
        "activationBkgColor": "#2a2d38",
        "activationBorderColor": "#9aa3bd",
        "sequenceNumberColor": "#1e2029",
    },
}


def mermaid_config(scheme: str) -> dict[str, Any]:
    """What `mermaid.initialize` gets: the theme's colours, text as SVG, no scripts."""
    return {
        "startOnLoad": False,
        "securityLevel": "strict",
        "theme": "base",
        "themeVariables": THEME_VARIABLES[scheme],
        # SVG <text> rather than HTML in <foreignObject>: text that a reader's font draws
        # wider than Chromium's did here runs past its box instead of being cut off.
        "htmlLabels": False,
        "flowchart": {"htmlLabels": False, "nodeSpacing": 30},
        "sequence": {
            # The text sizes Material for MkDocs gives sequence diagrams it draws itself.
            "actorFontSize": 16,
            "messageFontSize": 16,
            "noteFontSize": 16,
            # Narrower than Mermaid's defaults (50, 50 and 150 px): on a phone every
            # pixel of width is text that need not scroll.
            "diagramMarginX": 10,
            "diagramMarginY": 10,
            "actorMargin": 25,
            "width": 110,
        },
    }


class DiagramError(SuperFencesException):  # type: ignore[misc]  # untyped base
    """A fence whose drawing is missing or stale; raised out of the build, which fails."""


def normalise(source: str) -> str:
    """The source as the hash sees it: no trailing spaces, no blank lines around it."""
    return "\n".join(line.rstrip() for line in source.strip().splitlines()) + "\n"


def source_hash(source: str) -> str:
    return hashlib.sha256(normalise(source).encode()).hexdigest()


ACC_TITLE = re.compile(r"^\s*accTitle\s*:\s*(?P<text>.+?)\s*$", re.MULTILINE)


def title_of(source: str) -> str | None:
    """The diagram's `accTitle:`, its accessible name and visible caption."""
    match = ACC_TITLE.search(source)
    return match["text"] if match else None


def mermaid_version(package: Path = MERMAID_PACKAGE) -> str:
    """The version in node_modules: the one that draws."""
    version: str = json.loads((package / "package.json").read_text())["version"]
    return version


def pinned_mermaid_version(lock: Path = ROOT / "package-lock.json") -> str:
    """The version package-lock.json pins: the one the drawings must come from."""
    version: str = json.loads(lock.read_text())["packages"]["node_modules/mermaid"]["version"]
    return version


# --- drawing (needs Chromium, Playwright and node_modules: `nox -s diagrams`) ----------

# Runs in the page: draws one diagram and measures the drawing and its smallest text.
DRAW = """async ({id, source, config}) => {
  mermaid.initialize(config);
  const {svg} = await mermaid.render(id, source);
  const holder = document.createElement("div");
  holder.innerHTML = svg;
  document.body.replaceChildren(holder);
  const root = holder.querySelector("svg");
  const sizes = [];
  for (const text of root.querySelectorAll("text")) {
    if (!text.textContent.trim()) continue;
    for (const part of [text, ...text.querySelectorAll("tspan")]) {
      if (part.textContent.trim()) sizes.push(parseFloat(getComputedStyle(part).fontSize));
    }
  }
  const box = root.viewBox.baseVal;
  return {svg, width: box.width, height: box.height, minFontPx: Math.min(...sizes)};
}"""


DEFINITION = re.compile(r'<(symbol|marker)\b[^>]*?\sid="([^"]+)"[^>]*>.*?</\1>', re.DOTALL)


def clean_svg(svg: str, title: str) -> str:
    """Mermaid's SVG, made an image with a name, without what nothing in it uses.

    `role="img"` makes the drawing one image, named by its <title> (the accTitle) and
    described by its <desc> (the accDescr), rather than a document of loose words.
    Dropped: markers and symbols that nothing points at (a sequence diagram carries a
    13 kB database icon whether or not it draws one) and the `data-points` that only
    Mermaid's own scripts read.
    """
    if "<title" not in svg:
        raise ValueError(f"no <title> in the drawing of {title!r}")
    svg = re.sub(r'\sdata-points="[^"]*"', "", svg)
    used = set(re.findall(r'(?:url\(#|href="#)([^)"]+)', svg))
    svg = DEFINITION.sub(lambda m: m[0] if m[2] in used else "", svg)
    svg = svg.replace("<defs></defs>", "")
    svg = re.sub(r'\saria-roledescription="[^"]*"', "", svg, count=1)
    return re.sub(r'\srole="[^"]*"', ' role="img"', svg, count=1)


def draw(names: list[str] | None = None) -> dict[str, Any]:
    """Draw the named sources (all by default) in both schemes; write SVGs and manifest."""
    from playwright.sync_api import sync_playwright

    from scripts.browser import LAUNCH_ARGS, find_chromium

    if not MERMAID_BUNDLE.is_file():
        raise FileNotFoundError(f"{MERMAID_BUNDLE} is missing: run `npm ci` first")
    version = mermaid_version()
    sources = sorted(SOURCES.glob("*.mmd"))
    unknown = sorted(set(names or []) - {path.stem for path in sources})
    if unknown:
        raise ValueError(f"no docs/diagrams/NAME.mmd for {', '.join(unknown)}")
    wanted = [path for path in sources if names is None or path.stem in names]
    manifest = load_manifest() if names else {"diagrams": {}}
    manifest["diagrams"] = {
        name: entry
        for name, entry in manifest["diagrams"].items()
        if (SOURCES / f"{name}.mmd").is_file()
    }
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(), args=LAUNCH_ARGS)
        page = browser.new_page()
        page.set_content(f'<!doctype html><html><body style="font-family: {FONT_FAMILY}">')
        page.add_script_tag(path=str(MERMAID_BUNDLE))
        for path in wanted:
            source = path.read_text()
            title = title_of(source)
            if title is None:
                raise ValueError(f"{path}: add an `accTitle: ...` line, the diagram's name")
            entry: dict[str, Any] = {
                "source_sha256": source_hash(source),
                "mermaid": version,
                "title": title,
            }
            for scheme in SCHEMES:
                drawn = page.evaluate(
                    DRAW, {"id": "diagram", "source": source, "config": mermaid_config(scheme)}
                )
                file = f"{path.stem}.{scheme}.svg"
                replace_if_changed(RENDERED / file, clean_svg(drawn["svg"], title).encode())
                entry[scheme] = {
                    "file": file,
                    "width": round(drawn["width"], 2),
                    "height": round(drawn["height"], 2),
                    "min_font_px": drawn["minFontPx"],
                }
            manifest["diagrams"][path.stem] = entry
            print(f"drew {path.relative_to(ROOT)}")
        browser.close()
    manifest["diagrams"] = dict(sorted(manifest["diagrams"].items()))
    write_manifest(manifest)
    for stale in RENDERED.glob("*.svg"):
        if stale.name.split(".")[0] not in manifest["diagrams"]:
            stale.unlink()
    return manifest


def write_manifest(manifest: dict[str, Any]) -> None:
    replace_if_changed(MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())


def load_manifest(path: Path = MANIFEST) -> dict[str, Any]:
    if not path.is_file():
        return {"diagrams": {}}
    manifest: dict[str, Any] = json.loads(path.read_text())
    return manifest


# --- inlining (at build time: standard library and the rendered files only) ------------

ID_ATTRIBUTE = re.compile(r'(\sid=")([^"]+)(")')
REFERENCE_ATTRIBUTE = re.compile(r'(\s(?:aria-labelledby|aria-describedby)=")([^"]*)(")')
URL_REFERENCE = re.compile(r"url\(#([^)\s]+)\)")
HREF_REFERENCE = re.compile(r'(\s(?:xlink:)?href="#)([^"]+)(")')
STYLE_BLOCK = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.DOTALL)
ROOT_TAG = re.compile(r"<svg\b[^>]*>")


def unique_ids(svg: str, prefix: str) -> str:
    """Rename every id of one SVG copy to `PREFIX-ID`, and every reference to it.

    References are the ones Mermaid writes: `url(#ID)` (markers, filters), `href="#ID"`,
    `aria-labelledby`/`aria-describedby`, and `#ID` selectors in the SVG's <style>.
    An id that Mermaid repeats inside one drawing gets a number from its second use on.
    """
    renamed: dict[str, str] = {}
    seen: set[str] = set()

    def rename_definition(match: re.Match[str]) -> str:
        old = match[2]
        new = f"{prefix}-{old}"
        if old in seen:
            count = 2
            while f"{new}-{count}" in renamed.values():
                count += 1
            new = f"{new}-{count}"
        else:
            renamed[old] = new
        seen.add(old)
        return f"{match[1]}{new}{match[3]}"

    svg = ID_ATTRIBUTE.sub(rename_definition, svg)

    def rename(old: str) -> str:
        return renamed.get(old, old)

    svg = REFERENCE_ATTRIBUTE.sub(
        lambda m: m[1] + " ".join(rename(old) for old in m[2].split()) + m[3], svg
    )
    svg = URL_REFERENCE.sub(lambda m: f"url(#{rename(m[1])})", svg)
    svg = HREF_REFERENCE.sub(lambda m: m[1] + rename(m[2]) + m[3], svg)
    selector = re.compile(r"#([A-Za-z_][\w-]*)")

    def rename_selectors(match: re.Match[str]) -> str:
        css = selector.sub(lambda m: f"#{rename(m[1])}", match[2])
        return match[1] + css + match[3]

    return STYLE_BLOCK.sub(rename_selectors, svg)


def min_width(drawing: dict[str, Any]) -> int:
    """The narrowest the drawing may be, in CSS px, for its smallest text to stay legible."""
    width: float = drawing["width"]
    smallest: float = drawing["min_font_px"]
    return math.ceil(width * MIN_TEXT_PX / smallest)


def inline_svg(svg: str, drawing: dict[str, Any], scheme: str, prefix: str) -> str:
    """One copy of a drawing, ready for the page: its own ids, its class, its sizes."""
    svg = unique_ids(svg, prefix)
    narrowest = min_width(drawing)
    widest = max(narrowest, math.ceil(drawing["width"]))
    root = ROOT_TAG.search(svg)
    if root is None:
        raise ValueError("not an SVG")
    tag = re.sub(r'\s(?:class|style|width|height)="[^"]*"', "", root[0])
    tag = tag[:-1] + (
        f' class="diagram__svg diagram__svg--{scheme}"'
        f' style="min-width: {narrowest}px; max-width: {widest}px">'
    )
    return svg[: root.start()] + tag + svg[root.end() :]


# Fences formatted so far per page (MkDocs makes one Markdown instance per page):
# the number makes the ids of each copy unique on its page.
_fences_on_page: weakref.WeakKeyDictionary[Markdown, int] = weakref.WeakKeyDictionary()


@dataclass
class Index:
    """The manifest, looked up by source hash; reloaded when the file changes."""

    stamp: float = -1.0
    by_hash: dict[str, tuple[str, dict[str, Any]]] | None = None

    def find(self, digest: str) -> tuple[str, dict[str, Any]] | None:
        stamp = MANIFEST.stat().st_mtime if MANIFEST.is_file() else 0.0
        if self.by_hash is None or stamp != self.stamp:
            diagrams = load_manifest()["diagrams"]
            self.by_hash = {
                entry["source_sha256"]: (name, entry) for name, entry in diagrams.items()
            }
            self.stamp = stamp
        return self.by_hash.get(digest)


INDEX = Index()


def figure(source: str, number: int) -> str:
    """The figure for one fence: both drawings, a caption and a hint, or DiagramError."""
    found = INDEX.find(source_hash(source))
    if found is None:
        title = title_of(source)
        which = repr(title) if title else f"that starts {normalise(source).splitlines()[0]!r}"
        raise DiagramError(
            f"the diagram {which} was edited since it was drawn, or never drawn: keep its "
            f"source in docs/diagrams/NAME.mmd and {RERENDER}"
        )
    name, entry = found
    prefix = f"diagram-{number}-{name}"
    copies = []
    for scheme in SCHEMES:
        drawing = entry[scheme]
        svg_file = RENDERED / drawing["file"]
        if not svg_file.is_file():
            raise DiagramError(f"{svg_file} is missing: {RERENDER}")
        copies.append(inline_svg(svg_file.read_text(), drawing, scheme, f"{prefix}-{scheme}"))
    title = html.escape(entry["title"])
    return (
        f'<figure class="diagram" id="{prefix}">'
        f'<div class="diagram__scroll" tabindex="0" role="group" data-search-exclude'
        f' aria-labelledby="{prefix}-caption">{"".join(copies)}</div>'
        f'<figcaption id="{prefix}-caption">{title}'
        '<span class="diagram__hint"> · scroll sideways to see all of it</span>'
        "</figcaption></figure>"
    )


def fence_diagram(
    source: str,
    language: str,
    class_name: str,
    options: dict[str, Any],
    md: Markdown,
    **kwargs: Any,
) -> str:
    """pymdownx.superfences custom fence format: a ```mermaid block as inline SVG."""
    number = _fences_on_page.get(md, 0) + 1
    _fences_on_page[md] = number
    return figure(source, number)


def stale_diagrams(manifest: dict[str, Any] | None = None) -> list[str]:
    """Why the drawings do not match the sources, one line per problem (none: up to date)."""
    manifest = load_manifest() if manifest is None else manifest
    entries: dict[str, Any] = manifest["diagrams"]
    problems = []
    version = pinned_mermaid_version()
    sources = {path.stem: path for path in sorted(SOURCES.glob("*.mmd"))}
    for name, path in sources.items():
        entry = entries.get(name)
        if entry is None:
            problems.append(f"{name}: never drawn")
        elif entry["source_sha256"] != source_hash(path.read_text()):
            problems.append(f"{name}: the source changed since it was drawn")
        elif entry["mermaid"] != version:
            problems.append(f"{name}: drawn with mermaid {entry['mermaid']}, not {version}")
        else:
            problems += [
                f"{name}: {entry[scheme]['file']} is missing"
                for scheme in SCHEMES
                if not (RENDERED / entry[scheme]["file"]).is_file()
            ]
    problems += [
        f"{name}: drawn, but its source is gone" for name in entries if name not in sources
    ]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="draw only these (docs/diagrams/NAME.mmd)")
    parser.add_argument(
        "--check", action="store_true", help="draw nothing; fail if a drawing is stale"
    )
    args = parser.parse_args(argv)
    if args.check:
        problems = stale_diagrams()
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print(RERENDER, file=sys.stderr)
        return 1 if problems else 0
    try:
        draw(args.names or None)
    except (ValueError, FileNotFoundError) as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Drift guards between the pages in `docs/`, the files in `examples/`, and `tests/`.

Each function returns a list of human-readable problems; an empty list means the
rule holds. `tests/docs/` turns every rule into a test, and `tests/scripts/` proves
that each rule catches a real violation.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON_FENCE_LANGUAGES = {"py", "python", "python3", "py3"}

_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
# The single-line snippet syntax: --8<-- "path[:section]" (a leading ; disables a line).
_SNIPPET = re.compile(r'^[ \t]*(?P<off>;?)-{1,}8<-{1,}[ \t]+"(?P<spec>[^"]+)"[ \t]*$')
_SECTION_MARK = re.compile(r"-{1,}8<-{1,}\s+\[(?P<kind>start|end):(?P<name>[A-Za-z0-9_.-]+)\]")


@dataclass(frozen=True)
class Fence:
    """One fenced code block of a Markdown page."""

    path: Path
    line: int
    language: str
    body: list[str]

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class SnippetInclude:
    """One `--8<-- "file:section"` line of a Markdown page."""

    page: Path
    line: int
    file: str
    section: str | None
    line_range: bool


def site_markdown(docs_dir: Path = ROOT / "docs", base: Path = ROOT) -> list[Path]:
    """Every Markdown file the site renders: the pages, plus `.md` files they include.

    `docs/contributing/index.md`, for example, includes the repository's CONTRIBUTING.md,
    so that file's code blocks appear on the site and must follow the same rules.
    """
    pages = sorted(docs_dir.rglob("*.md"))
    included = {
        base / include.file
        for include in snippet_includes(pages)
        if include.file.endswith(".md") and (base / include.file).is_file()
    }
    return pages + sorted(included - set(pages))


def find_fences(path: Path) -> Iterator[Fence]:
    """Yield the fenced code blocks of one page, including those nested in tabs."""
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE_OPEN.match(lines[index])
        if not opening:
            index += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        closing = re.compile(rf"^{re.escape(indent)}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        end = index + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        info = opening["info"].strip().lstrip("{").strip()
        language = info.split()[0].lstrip(".") if info else ""
        yield Fence(path, index + 1, language, lines[index + 1 : end])
        index = end + 1


def is_include_only(fence: Fence) -> bool:
    """True when every non-blank line of the block is a snippet include."""
    content = [line for line in fence.body if line.strip()]
    return bool(content) and all(_SNIPPET.match(line) for line in content)


def is_inline_python(fence: Fence) -> bool:
    """True for a Python block with no includes: pytest-examples runs and lints it."""
    return fence.language in PYTHON_FENCE_LANGUAGES and not any(
        "--8<--" in line for line in fence.body
    )


def untested_fences(pages: list[Path]) -> list[str]:
    """Fenced blocks that are neither a pure snippet include nor a runnable Python block."""
    problems = []
    for page in pages:
        for fence in find_fences(page):
            if not (is_include_only(fence) or is_inline_python(fence)):
                problems.append(
                    f"{fence.where}: a ```{fence.language or '(no language)'} block must include "
                    'a tested file (--8<-- "examples/...") or be Python that pytest-examples runs'
                )
    return problems


def snippet_includes(pages: list[Path]) -> list[SnippetInclude]:
    """Every active (not `;`-disabled) snippet include line in `pages`."""
    found = []
    for page in pages:
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            match = _SNIPPET.match(line)
            if not match or match["off"]:
                continue
            file, _, rest = match["spec"].partition(":")
            line_range = bool(re.fullmatch(r"-?\d+(:-?\d+)?(,.*)?", rest))
            section = rest if rest and not line_range else None
            found.append(SnippetInclude(page, number, file, section, line_range))
    return found


def sections(path: Path) -> dict[str, list[str]]:
    """Map each named section of a file (`--8<-- [start:name]`) to its marker kinds."""
    marks: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        for match in _SECTION_MARK.finditer(line):
            marks.setdefault(match["name"], []).append(match["kind"])
    return marks


def unresolved_snippets(includes: list[SnippetInclude], base: Path = ROOT) -> list[str]:
    """Includes whose file or section does not exist, or that select lines by number."""
    problems = []
    for include in includes:
        where = f"{include.page}:{include.line}"
        target = base / include.file
        if include.line_range:
            problems.append(f"{where}: {include.file} is included by line numbers; use a section")
        elif not target.is_file():
            problems.append(f"{where}: {include.file} does not exist")
        elif include.section is not None:
            kinds = sections(target).get(include.section)
            if kinds != ["start", "end"]:
                problems.append(
                    f"{where}: section {include.section!r} of {include.file} "
                    f"needs one start and one end marker, found {kinds or 'none'}"
                )
    return problems


def support_files(pyproject: Path = ROOT / "pyproject.toml") -> set[str]:
    """Example files listed under `[tool.guide] example-support-files` in pyproject.toml."""
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    return set(config["tool"]["guide"]["example-support-files"])


def unshown_example_files(
    examples_dir: Path, includes: list[SnippetInclude], listed: set[str], base: Path = ROOT
) -> list[str]:
    """Files under `examples_dir` that no page includes and that are not listed as support."""
    shown = {include.file for include in includes}
    problems = []
    for path in sorted(p for p in examples_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(base).as_posix()
        if "__pycache__" in path.parts:
            continue
        if relative not in shown and relative not in listed:
            problems.append(
                f"{relative}: no page includes it and it is not listed in "
                "[tool.guide] example-support-files"
            )
    for relative in sorted(
        listed - {p.relative_to(base).as_posix() for p in examples_dir.rglob("*")}
    ):
        problems.append(f"{relative}: listed as a support file but does not exist")
    return problems


def example_dirs_without_tests(base: Path = ROOT) -> list[str]:
    """Example directories that lack their mirror in `tests/`.

    `examples/python/X` needs `tests/python/X/test_*.py`, `examples/node/X` needs
    `tests/node/X/*.test.ts`, and an example present in both runtimes also needs the
    shared contract suite `tests/contract/test_X.py`.
    """
    patterns = {"python": "test_*.py", "node": "*.test.ts"}
    topics: dict[str, set[str]] = {}
    problems = []
    for runtime, pattern in patterns.items():
        examples = (base / "examples" / runtime).glob("*")
        for example in sorted(p for p in examples if p.is_dir() and p.name != "__pycache__"):
            topics.setdefault(example.name, set()).add(runtime)
            tests_dir = base / "tests" / runtime / example.name
            if not any(tests_dir.glob(pattern)):
                expected = f"tests/{runtime}/{example.name}/{pattern}"
                problems.append(f"examples/{runtime}/{example.name}: no {expected}")
    for topic, runtimes in sorted(topics.items()):
        contract = base / "tests" / "contract" / f"test_{topic}.py"
        if runtimes == set(patterns) and not contract.is_file():
            problems.append(
                f"{topic}: exists in both runtimes but has no {contract.relative_to(base)}"
            )
    return problems

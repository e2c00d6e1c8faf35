"""Drift guards between the pages in `docs/`, the files in `examples/`, and `tests/`.

Each function returns a list of human-readable problems; an empty list means the
rule holds. `tests/docs/` turns every rule into a test, and `tests/scripts/` proves
that each rule catches a real violation.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from scripts.topics import RUNTIMES, Topic

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
    depth: int = 0  # how many list items or admonitions the include sits inside


def page_address(page: Path, docs_dir: Path = ROOT / "docs") -> str:
    """A page's address below the site's: docs/a/index.md is a/, docs/a/b.md is a/b/."""
    path = page.relative_to(docs_dir).with_suffix("")
    path = path.parent if path.name == "index" else path
    return "" if str(path) == "." else f"{path.as_posix()}/"


def site_addresses(docs_dir: Path = ROOT / "docs") -> list[str]:
    """Every page's address below the site's (MkDocs' directory URLs), and the 404 page."""
    pages = sorted(page_address(page, docs_dir) for page in docs_dir.rglob("*.md"))
    return [*pages, "404.html"]


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
        lines = page.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, 1):
            match = _SNIPPET.match(line)
            if not match or match["off"]:
                continue
            file, _, rest = match["spec"].partition(":")
            line_range = bool(re.fullmatch(r"-?\d+(:-?\d+)?(,.*)?", rest))
            section = rest if rest and not line_range else None
            depth = narrowing_depth(lines[: number - 1], line)
            found.append(SnippetInclude(page, number, file, section, line_range, depth))
    return found


_NARROWING = re.compile(r"^[ \t]*(?:[-*+][ \t]|\d+[.)][ \t]|!!!|\?\?\?)")


def narrowing_depth(before: list[str], line: str) -> int:
    """How many list items and admonitions enclose `line`, given the lines before it.

    Each of them narrows a code block; content tabs (`=== "Python"`) indent as much but
    keep the block's width.
    """
    depth, indent = 0, len(line) - len(line.lstrip())
    for previous in reversed(before):
        if not previous.strip():
            continue
        previous_indent = len(previous) - len(previous.lstrip())
        if previous_indent < indent:
            depth += bool(_NARROWING.match(previous))
            indent = previous_indent
        if indent == 0:
            break
    return depth


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


ENTRY_FILES = {"python": "main.py", "node": "app.ts"}
# Modules every topic of a runtime shares, directly under examples/<runtime>/.
SHARED_EXAMPLE_FILES = {"python": {"problem_details.py"}, "node": {"problem-details.ts"}}


def topic_test_files(topic: str, runtime: str) -> str:
    """The test file each topic needs in one runtime, relative to the repository."""
    if runtime == "python":
        return f"tests/python/{topic}/test_{topic}.py"
    return f"tests/node/{topic}/{topic}.test.ts"


def topic_problems(topics: list[Topic], base: Path = ROOT) -> list[str]:
    """Places a topic's name should be and is not, and folders that no topic lists.

    Each topic in `data/topics.yml` needs, for each of its runtimes, the example folder
    with its entry file and the test file named after it; a topic in both runtimes also
    needs `tests/contract/test_NAME.py`; every topic needs its pages, and its own page
    must include a file from each of its example folders.
    """
    problems = []
    names = {topic.name for topic in topics}
    for runtime in RUNTIMES:
        for entry in sorted((base / "examples" / runtime).iterdir()):
            if entry.is_dir() and entry.name != "__pycache__" and entry.name not in names:
                problems.append(f"examples/{runtime}/{entry.name}: not a topic in data/topics.yml")
            if entry.is_file() and entry.name not in SHARED_EXAMPLE_FILES[runtime]:
                problems.append(f"examples/{runtime}/{entry.name}: outside a topic folder")
    for entry in sorted((base / "tests" / "python").iterdir()):
        if entry.is_dir() and entry.name != "__pycache__" and entry.name not in names:
            problems.append(f"tests/python/{entry.name}: not a topic in data/topics.yml")
    for module in sorted((base / "tests" / "contract").glob("test_*.py")):
        if module.stem.removeprefix("test_") not in names:
            problems.append(f"tests/contract/{module.name}: not a topic in data/topics.yml")
    for topic in topics:
        includes = (
            snippet_includes([base / "docs" / topic.page])
            if (base / "docs" / topic.page).is_file()
            else []
        )
        for runtime in RUNTIMES:
            folder = f"examples/{runtime}/{topic.name}"
            if runtime not in topic.runtimes:
                if (base / folder).exists():
                    problems.append(f"{folder}: {topic.name} is listed as {topic.only} only")
                continue
            for needed in (
                f"{folder}/{ENTRY_FILES[runtime]}",
                topic_test_files(topic.name, runtime),
            ):
                if not (base / needed).is_file():
                    problems.append(f"{topic.name}: no {needed}")
            if not any(include.file.startswith(folder + "/") for include in includes):
                problems.append(f"{topic.name}: docs/{topic.page} includes nothing from {folder}")
        contract = f"tests/contract/test_{topic.name}.py"
        if len(topic.runtimes) == len(RUNTIMES) and not (base / contract).is_file():
            problems.append(f"{topic.name}: no {contract}")
        problems.extend(
            f"{topic.name}: no docs/{page}"
            for page in topic.all_pages
            if not (base / "docs" / page).is_file()
        )
    return problems


_NODE_TEST_CALL = re.compile(r"^\s*(?:await\s+)?(?:test|it|describe|suite)(?:\.\w+)?\(", re.M)


def _python_defines_a_test(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")
        for node in ast.walk(tree)
    )


def _python_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    modules |= {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    return modules


def _names_its_topic(path: Path) -> bool:
    """A module-level `EXAMPLE = ...`, or `running_server(runtime, "some-topic", ...)`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "EXAMPLE" for target in node.targets
        ):
            return True
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None)) == "running_server"
            and len(node.args) > 1
            and isinstance(node.args[1], ast.Constant)
        ):
            return True
    return False


def hollow_test_files(topics: list[Topic], base: Path = ROOT) -> list[str]:
    """Test files that define no test, and topic tests that never import their example.

    A Python test module needs a `test*` function; a Node.js test file needs a `test(` or
    `it(` call. Every test file in a topic's folder must import that topic's example (a
    Python module may leave that to the conftest.py beside it), so a file that tests
    nothing of it cannot stand in for its tests. A contract module takes its topic from
    its file name, never from a string that a copy would carry along.
    """
    problems = []
    names = {topic.name for topic in topics}
    for path in sorted((base / "tests").rglob("test_*.py")):
        relative = path.relative_to(base).as_posix()
        if not _python_defines_a_test(path):
            problems.append(f"{relative}: defines no test function")
        parts = path.relative_to(base / "tests").parts
        if parts[0] == "python" and parts[1] in names:
            wanted = f"examples.python.{parts[1]}"
            # The module itself, or the conftest.py beside it that builds its fixtures.
            imported = _python_imports(path)
            if (conftest := path.with_name("conftest.py")).is_file():
                imported |= _python_imports(conftest)
            if not any(module == wanted or module.startswith(wanted + ".") for module in imported):
                problems.append(f"{relative}: imports nothing from {wanted}")
    for path in sorted((base / "tests" / "contract").glob("test_*.py")):
        if _names_its_topic(path):
            problems.append(
                f"{path.relative_to(base).as_posix()}: names a topic in a typed string; "
                "the contract fixtures take it from the file name (the `example` fixture)"
            )
    for path in sorted((base / "tests" / "node").rglob("*.test.ts")):
        relative = path.relative_to(base).as_posix()
        text = path.read_text(encoding="utf-8")
        if not _NODE_TEST_CALL.search(text):
            problems.append(f"{relative}: calls no test() or it()")
        topic = path.relative_to(base / "tests" / "node").parts[0]
        if topic in names and f"examples/node/{topic}/" not in text:
            problems.append(f"{relative}: imports nothing from examples/node/{topic}/")
    return problems


class _IgnoreTags(yaml.SafeLoader):
    """mkdocs.yml names Python objects (`!!python/name:`); reading the nav needs none."""


_IgnoreTags.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)
_IgnoreTags.add_constructor("!ENV", lambda loader, node: None)  # site_url, site_dir


def nav_pages(config: Path = ROOT / "mkdocs.yml") -> list[str]:
    """Every page in mkdocs.yml's `nav`, in order, relative to `docs/`."""
    found: list[str] = []

    def walk(entry: object) -> None:
        if isinstance(entry, str):
            found.append(entry)
        elif isinstance(entry, list):
            for item in entry:
                walk(item)
        elif isinstance(entry, dict):
            for value in entry.values():
                walk(value)

    walk(yaml.load(config.read_text(encoding="utf-8"), _IgnoreTags)["nav"])  # noqa: S506 - SafeLoader subclass
    return found


def nav_problems(topics: list[Topic], nav: list[str]) -> list[str]:
    """Topic pages missing from the nav, or listed there out of the topics' order.

    (`mkdocs build --strict` separately fails on any page left out of the nav.)
    """
    problems = [
        f"docs/{page}: not in mkdocs.yml's nav"
        for topic in topics
        for page in topic.all_pages
        if page not in nav
    ]
    for section in {topic.section for topic in topics}:
        wanted = [topic.page for topic in topics if topic.section == section]
        listed = [page for page in nav if page in wanted]
        if listed != [page for page in wanted if page in listed]:
            problems.append(f"{section}: the nav lists the topics as {listed}, not as {wanted}")
    return problems


CODE_COLUMNS = 80  # what a code block on the site shows at 1366 px without scrolling
LIST_INDENT_COLUMNS = 4  # a block inside a list item is that much narrower per level
CODE_SUFFIXES = {".py", ".ts", ".js", ".conf"}  # included as code, not as page text


def section_text(path: Path, section: str | None) -> list[str]:
    """The lines a snippet include shows: the named section, dedented, without markers."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if section is not None:
        start = next(i for i, line in enumerate(lines) if f"[start:{section}]" in line)
        end = next(i for i, line in enumerate(lines) if f"[end:{section}]" in line)
        lines = lines[start + 1 : end]
    lines = [line for line in lines if "--8<--" not in line]
    indent = min((len(line) - len(line.lstrip()) for line in lines if line.strip()), default=0)
    return [line[indent:] for line in lines]


def wide_included_lines(
    includes: list[SnippetInclude], base: Path = ROOT, limit: int = CODE_COLUMNS
) -> list[str]:
    """Included code lines longer than their block shows, which readers must scroll.

    A block at the page's top level shows `limit` characters; inside a list item it is
    LIST_INDENT_COLUMNS narrower for each level (tests/docs/test_layout.py measures it).
    """
    problems: list[str] = []
    seen: set[tuple[str, str | None, int]] = set()
    for include in includes:
        key = (include.file, include.section, include.depth)
        target = base / include.file
        if key in seen or include.line_range or not target.is_file():
            continue
        if target.suffix not in CODE_SUFFIXES:
            continue
        seen.add(key)
        shown = limit - LIST_INDENT_COLUMNS * include.depth
        problems.extend(
            f"{include.file}:{include.section}: {len(line)} columns > {shown}"
            f" ({include.page.name}:{include.line}): {line.strip()[:50]}"
            for line in section_text(target, include.section)
            if len(line) > shown
        )
    return problems

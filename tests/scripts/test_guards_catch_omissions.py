"""The drift guards, tried as a contributor would: add a topic by CONTRIBUTING.md's recipe
to a copy of the project, then leave out one step at a time. Every omission must be caught.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scripts import doc_checks, topics

ROOT = doc_checks.ROOT
TOPIC = "greet"
ENTRY = """
- name: greet
  title: Greetings
  section: patterns
  shows: a greeting, the smallest topic a contributor could add
"""
FILES = {
    "examples/python/greet/main.py": "# --8<-- [start:app]\napp = object()\n# --8<-- [end:app]\n",
    "examples/node/greet/app.ts": (
        "// --8<-- [start:app]\nexport const app = {};\n// --8<-- [end:app]\n"
    ),
    "tests/python/greet/test_greet.py": (
        "from examples.python.greet.main import app\n\n\ndef test_app() -> None:\n"
        "    assert app is not None\n"
    ),
    "tests/node/greet/greet.test.ts": (
        'import { test } from "node:test";\n'
        'import { app } from "../../../examples/node/greet/app.ts";\n'
        'test("app", () => { if (!app) throw new Error("no app"); });\n'
    ),
    "tests/contract/test_greet.py": "def test_greets(client: object) -> None:\n    assert client\n",
    "docs/patterns/greet.md": (
        '# Greetings\n\n=== "Python"\n\n    ```python\n'
        '    --8<-- "examples/python/greet/main.py:app"\n    ```\n\n'
        '=== "Node.js"\n\n    ```ts\n    --8<-- "examples/node/greet/app.ts:app"\n    ```\n'
    ),
}


def problems(base: Path) -> list[str]:
    """Every static guard of tests/docs/test_drift_guards.py, run on the copy."""
    listed = topics.load(base / "data" / "topics.yml")
    pages = doc_checks.site_markdown(base / "docs", base)
    includes = doc_checks.snippet_includes(pages)
    return [
        *doc_checks.unresolved_snippets(includes, base),
        *doc_checks.unshown_example_files(
            base / "examples", includes, doc_checks.support_files(base / "pyproject.toml"), base
        ),
        *doc_checks.topic_problems(listed, base),
        *doc_checks.hollow_test_files(listed, base),
        *doc_checks.nav_problems(listed, doc_checks.nav_pages(base / "mkdocs.yml")),
    ]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory, performance_pages: None) -> Path:
    """A copy of the project with the new topic added completely."""
    copy = tmp_path_factory.mktemp("project")
    for name in ("docs", "examples", "tests", "data", "scripts", "overrides"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("mkdocs.yml", "pyproject.toml", "CONTRIBUTING.md", "README.md"):
        shutil.copy(ROOT / name, copy / name)
    with (copy / "data" / "topics.yml").open("a", encoding="utf-8") as listing:
        listing.write(ENTRY)
    for relative, text in FILES.items():
        (copy / relative).parent.mkdir(parents=True, exist_ok=True)
        (copy / relative).write_text(text, encoding="utf-8")
    config = copy / "mkdocs.yml"
    # The new topic comes last in topics.yml, so its page goes after the last Patterns page.
    text = config.read_text(encoding="utf-8")
    nav_line = [line for line in text.splitlines(keepends=True) if ": patterns/" in line][-1]
    config.write_text(text.replace(nav_line, nav_line + "      - Greetings: patterns/greet.md\n"))
    return copy


@pytest.fixture
def project(pristine: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "project"
    shutil.copytree(pristine, copy, symlinks=True)
    return copy


def strict_build(base: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(base / "site")],
        cwd=base,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_the_complete_topic_passes_every_guard(project: Path) -> None:
    assert problems(project) == []


@pytest.mark.parametrize(
    ("omitted", "expected"),
    [
        ("tests/python/greet/test_greet.py", "greet: no tests/python/greet/test_greet.py"),
        ("tests/node/greet/greet.test.ts", "greet: no tests/node/greet/greet.test.ts"),
        ("tests/contract/test_greet.py", "greet: no tests/contract/test_greet.py"),
    ],
    ids=["python-test", "node-test", "contract-test"],
)
def test_a_missing_test_file_is_caught(project: Path, omitted: str, expected: str) -> None:
    (project / omitted).unlink()
    assert expected in problems(project)


def test_a_page_without_the_include_is_caught(project: Path) -> None:
    (project / "docs/patterns/greet.md").write_text("# Greetings\n\nNo code here.\n")
    found = problems(project)
    assert "greet: docs/patterns/greet.md includes nothing from examples/python/greet" in found
    assert any(problem.startswith("examples/node/greet/app.ts: no page") for problem in found)


def test_a_page_left_out_of_the_nav_fails_the_guard_and_the_strict_build(project: Path) -> None:
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("      - Greetings: patterns/greet.md\n", "")
    )
    assert "docs/patterns/greet.md: not in mkdocs.yml's nav" in problems(project)
    build = strict_build(project)
    assert build.returncode != 0
    assert "patterns/greet.md" in build.stderr


def test_a_topic_in_one_runtime_needs_a_listed_reason(project: Path) -> None:
    for relative in ("examples/node/greet", "tests/node/greet"):
        shutil.rmtree(project / relative)
    (project / "tests/contract/test_greet.py").unlink()
    page = project / "docs/patterns/greet.md"
    page.write_text(page.read_text(encoding="utf-8").split('=== "Node.js"')[0])
    assert "greet: no examples/node/greet/app.ts" in problems(project)
    listing = project / "data" / "topics.yml"
    listing.write_text(
        listing.read_text(encoding="utf-8")
        + "  only: python\n  reason: the Node.js twin would show nothing new\n"
    )
    assert problems(project) == []


def test_a_contract_module_cannot_name_another_topic(project: Path) -> None:
    copied = (ROOT / "tests/contract/test_hello.py").read_text(encoding="utf-8")
    (project / "tests/contract/test_greet.py").write_text(
        'EXAMPLE = "hello"  # left over from the copied module\n' + copied
    )
    assert any("test_greet.py: names a topic" in problem for problem in problems(project))


@pytest.mark.parametrize(
    ("relative", "text", "expected"),
    [
        (
            "tests/node/greet/greet.test.ts",
            "// tests to come\n",
            "tests/node/greet/greet.test.ts: calls no test() or it()",
        ),
        (
            "tests/python/greet/test_greet.py",
            "def test_nothing() -> None:\n    assert True\n",
            "tests/python/greet/test_greet.py: imports nothing from examples.python.greet",
        ),
        (
            "tests/python/greet/test_greet.py",
            "from examples.python.greet.main import app  # noqa: F401\n",
            "tests/python/greet/test_greet.py: defines no test function",
        ),
    ],
    ids=["node-comment-only", "python-imports-nothing", "python-no-test"],
)
def test_a_hollow_test_file_is_caught(
    project: Path, relative: str, text: str, expected: str
) -> None:
    (project / relative).write_text(text, encoding="utf-8")
    assert expected in problems(project)

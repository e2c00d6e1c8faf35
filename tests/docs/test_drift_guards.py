"""The pages, the example files and the tests cannot drift apart unnoticed."""

from scripts import doc_checks

ROOT = doc_checks.ROOT
PAGES = doc_checks.site_markdown()
INCLUDES = doc_checks.snippet_includes(PAGES)


def test_pages_were_found() -> None:
    # Guards over an empty list pass vacuously; make sure they look at the real site.
    assert ROOT / "docs" / "index.md" in PAGES
    assert ROOT / "CONTRIBUTING.md" in PAGES
    assert any(include.file.startswith("examples/") for include in INCLUDES)


def test_every_code_block_is_a_tested_file_or_runnable_python() -> None:
    assert doc_checks.untested_fences(PAGES) == []


def test_every_snippet_include_resolves_to_a_named_section() -> None:
    assert doc_checks.unresolved_snippets(INCLUDES) == []


def test_every_example_file_is_shown_or_listed_as_support() -> None:
    listed = doc_checks.support_files()
    assert doc_checks.unshown_example_files(ROOT / "examples", INCLUDES, listed) == []


def test_every_example_directory_has_tests() -> None:
    assert doc_checks.example_dirs_without_tests() == []

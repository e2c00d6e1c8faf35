"""The pages, the example files and the tests cannot drift apart unnoticed."""

import re

from scripts import doc_checks, topics

ROOT = doc_checks.ROOT
PAGES = doc_checks.site_markdown()
INCLUDES = doc_checks.snippet_includes(PAGES)
TOPICS = topics.load()


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


def test_every_topic_has_its_examples_tests_and_pages_under_its_one_name() -> None:
    assert doc_checks.topic_problems(TOPICS) == []


def test_every_test_file_tests_something_of_its_topic() -> None:
    assert doc_checks.hollow_test_files(TOPICS) == []


def test_topic_pages_are_in_the_nav_in_the_topics_order() -> None:
    assert doc_checks.nav_problems(TOPICS, doc_checks.nav_pages()) == []


def test_included_code_fits_the_code_column() -> None:
    assert doc_checks.wide_included_lines(INCLUDES) == []


def test_contributing_lists_every_nox_session() -> None:
    noxfile = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    sessions = re.findall(r"^@nox\.session[^\n]*\ndef (\w+)\(", noxfile, flags=re.MULTILINE)
    assert len(sessions) >= 9, sessions  # the pattern still finds them
    listed = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert [name for name in sessions if f"`nox -s {name}`" not in listed] == []

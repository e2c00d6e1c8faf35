"""Python blocks written directly in a page are run and linted, as in Pydantic's docs."""

import pytest
from pytest_examples import CodeExample, EvalExample, find_examples

from scripts import doc_checks

# Blocks that only include a file are tested where the file is; run the rest.
INLINE = [
    example
    for example in find_examples(*doc_checks.site_markdown())
    if "--8<--" not in example.source
]


def test_inline_examples_exist() -> None:
    # Without this, a broken finder would skip every check below and still pass.
    assert INLINE, "expected at least one inline Python block (CONTRIBUTING.md has one)"


@pytest.mark.parametrize("example", INLINE, ids=str)
def test_inline_python_runs_and_is_clean(example: CodeExample, eval_example: EvalExample) -> None:
    # As wide as a code block on the site shows without scrolling (E501 then flags it).
    eval_example.set_config(line_length=doc_checks.CODE_COLUMNS)
    if eval_example.update_examples:  # pytest --update-examples rewrites the #> output
        eval_example.format(example)
        eval_example.run_print_update(example)
    else:
        eval_example.lint(example)
        eval_example.run_print_check(example)

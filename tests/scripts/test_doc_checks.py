"""Each drift guard catches the violation it exists for; tests/docs applies them to the tree."""

from pathlib import Path

from scripts import doc_checks


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_untested_fences_flags_shell_and_inline_javascript(tmp_path: Path) -> None:
    write(
        tmp_path / "docs" / "page.md",
        "```bash\nrm -rf /\n```\n\n"
        '=== "Node.js"\n\n    ```ts\n    const x = 1;\n    ```\n\n'
        '```ts\n--8<-- "examples/node/hello/app.ts:app"\n```\n\n'
        "```python\nprint(1)\n```\n",
    )
    problems = doc_checks.untested_fences(doc_checks.site_markdown(tmp_path / "docs", tmp_path))
    assert [problem.split(":")[1] for problem in problems] == ["1", "7"]


def test_a_python_fence_mixing_code_and_includes_is_flagged(tmp_path: Path) -> None:
    write(tmp_path / "docs" / "page.md", '```python\nx = 1\n--8<-- "examples/a.py"\n```\n')
    assert (
        len(doc_checks.untested_fences(doc_checks.site_markdown(tmp_path / "docs", tmp_path))) == 1
    )


def test_unresolved_snippets_flags_missing_files_sections_and_line_numbers(tmp_path: Path) -> None:
    write(tmp_path / "examples" / "a.py", "# --8<-- [start:good]\nx = 1\n# --8<-- [end:good]\n")
    write(tmp_path / "examples" / "b.py", "# --8<-- [start:open]\n")
    write(
        tmp_path / "docs" / "page.md",
        '--8<-- "examples/a.py:good"\n'
        '--8<-- "examples/a.py:absent"\n'
        '--8<-- "examples/b.py:open"\n'
        '--8<-- "examples/gone.py"\n'
        '--8<-- "examples/a.py:1:2"\n'
        ';--8<-- "examples/disabled.py"\n',
    )
    includes = doc_checks.snippet_includes(doc_checks.site_markdown(tmp_path / "docs", tmp_path))
    problems = doc_checks.unresolved_snippets(includes, base=tmp_path)
    assert [int(problem.split(":")[1]) for problem in problems] == [2, 3, 4, 5]


def test_unshown_example_files_honours_the_support_list(tmp_path: Path) -> None:
    write(tmp_path / "examples" / "python" / "x" / "main.py", "")
    write(tmp_path / "examples" / "python" / "x" / "helper.py", "")
    write(tmp_path / "examples" / "python" / "x" / "data.json", "")
    write(tmp_path / "docs" / "page.md", '--8<-- "examples/python/x/main.py"\n')
    includes = doc_checks.snippet_includes(doc_checks.site_markdown(tmp_path / "docs", tmp_path))
    listed = {"examples/python/x/data.json", "examples/python/x/removed.txt"}
    problems = doc_checks.unshown_example_files(tmp_path / "examples", includes, listed, tmp_path)
    assert [problem.split(":")[0] for problem in problems] == [
        "examples/python/x/helper.py",
        "examples/python/x/removed.txt",
    ]


def test_site_markdown_follows_included_markdown_files(tmp_path: Path) -> None:
    write(tmp_path / "CONTRIBUTING.md", "```sh\nmake\n```\n")
    write(tmp_path / "docs" / "contributing.md", '--8<-- "CONTRIBUTING.md"\n')
    pages = doc_checks.site_markdown(tmp_path / "docs", tmp_path)
    assert pages == [tmp_path / "docs" / "contributing.md", tmp_path / "CONTRIBUTING.md"]
    assert len(doc_checks.untested_fences(pages)) == 1


def test_a_code_line_fits_a_narrower_block_inside_a_list_item(tmp_path: Path) -> None:
    write(tmp_path / "a.py", "# --8<-- [start:s]\n" + "x" * 78 + "\n# --8<-- [end:s]\n")
    include = '```python\n--8<-- "a.py:s"\n```\n'
    in_tab = '=== "Python"\n\n' + "".join(f"    {line}\n" for line in include.splitlines())
    in_list = "- Item\n\n" + "".join(f"    {line}\n" for line in include.splitlines())
    write(tmp_path / "docs" / "tab.md", in_tab)
    write(tmp_path / "docs" / "list.md", in_list)
    includes = doc_checks.snippet_includes(doc_checks.site_markdown(tmp_path / "docs", tmp_path))
    assert {include.page.name: include.depth for include in includes} == {
        "tab.md": 0,
        "list.md": 1,
    }
    problems = doc_checks.wide_included_lines(includes, tmp_path)
    assert [problem.split("(")[1].split(":")[0] for problem in problems] == ["list.md"]

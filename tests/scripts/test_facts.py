"""The facts loader rejects bad data, and the Markdown extension quotes and tabulates facts."""

import datetime as dt
import os
import textwrap
from pathlib import Path

import markdown
import pytest

from scripts import facts

GOOD = """\
facts:
  - id: node-20-eol
    category: node
    label: Node.js 20 end of life
    value: "2026-04-30"
    source: https://github.com/nodejs/Release#release-schedule
    source_title: Node.js release schedule
    verified: 2026-11-22
  - id: fastapi-version
    category: framework
    label: FastAPI | newest
    value: "0.165.0"
    source: https://pypi.org/project/fastapi/
    verified: 2026-11-01
    expires: 2027-01-01
    check: {registry: pypi, package: fastapi}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "facts.yml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def data(tmp_path: Path) -> dict[str, facts.Fact]:
    return facts.load(write(tmp_path, GOOD))


def test_load_parses_dates_checks_and_keeps_file_order(data: dict[str, facts.Fact]) -> None:
    assert list(data) == ["node-20-eol", "fastapi-version"]
    fastapi = data["fastapi-version"]
    assert fastapi.verified == dt.date(2026, 11, 1)
    assert fastapi.expires == dt.date(2027, 1, 1)
    assert fastapi.checks == ({"registry": "pypi", "package": "fastapi", "version": "0.165.0"},)
    assert facts.value("node-20-eol", data) == "2026-04-30"


def test_source_name_falls_back_to_host_and_first_path_segment(
    data: dict[str, facts.Fact],
) -> None:
    assert data["node-20-eol"].source_name == "Node.js release schedule"
    assert data["fastapi-version"].source_name == "pypi.org/project"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("    verified: 2026-11-22\n", ""), "missing ['verified']"),
        (("category: node", "category: runtime"), "category must be one of"),
        (("https://github.com/nodejs", "http://github.com/nodejs"), "https://"),
        (("verified: 2026-11-22", "verified: last week"), "not a YYYY-MM-DD date"),
        (("id: fastapi-version", "id: node-20-eol"), "appears twice"),
        (("id: node-20-eol", "id: Node 20"), "ids are lower-case"),
        (("    source_title:", "    colour: red\n    source_title:"), "unknown keys ['colour']"),
        (('value: "0.165.0"', "value: about 0.165"), "bare version value"),
        (("registry: pypi", "registry: cargo"), "check needs registry"),
        (("registry: pypi, package: fastapi", "registry: pypi"), "check needs registry"),
        (("package: fastapi}", 'package: fastapi, version: "0.99.0"}'), "must appear in the value"),
        (("package: fastapi}", 'package: fastapi, major: "1"}'), "must appear in the value"),
        (("{registry: pypi, package: fastapi}", "{schedule: ruby, line: '3'}"), "schedule must be"),
        (("{registry: pypi, package: fastapi}", "{schedule: node, line: '24'}"), "either field or"),
        (
            ("{registry: pypi, package: fastapi}", "{schedule: node, line: '2', field: eol}"),
            "field",
        ),
        (
            ("{registry: pypi, package: fastapi}", "{schedule: python, line: '3', status: x}"),
            "status",
        ),
        (("    source_title:", '    stable: "forever"\n    source_title:'), "stable must start"),
        (("    source_title:", "    max_age: soon\n    source_title:"), "max_age is a whole"),
        (("    check: {", "    checks: {"), "list of mappings"),
    ],
)
def test_load_rejects_malformed_entries(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    old, new = change
    assert old in GOOD
    with pytest.raises(facts.FactError, match=message.replace("[", r"\[").replace("]", r"\]")):
        facts.load(write(tmp_path, GOOD.replace(old, new, 1)))


def test_one_fact_may_carry_several_checks_of_both_kinds(tmp_path: Path) -> None:
    text = GOOD + textwrap.indent(
        textwrap.dedent(
            """\
            - id: tool-queue
              category: tool
              label: Queues
              value: Celery 5.7.0 or aio-pika 10.2.1; Pydantic 2 models
              source: https://pypi.org/project/celery/
              verified: 2026-11-30
              checks:
                - {registry: pypi, package: celery, version: "5.7.0"}
                - {registry: pypi, package: aio-pika, version: "10.2.1"}
                - {registry: pypi, package: pydantic, major: "2"}
            - id: node-24-status
              category: node
              label: Node 24
              value: Maintenance LTS since 2026-10-20
              source: https://github.com/nodejs/Release
              verified: 2026-11-30
              checks:
                - {schedule: node, line: "24", status: maintenance}
                - {schedule: node, line: "24", field: maintenance}
            - id: node-20-eol-again
              category: node
              label: Node 20
              value: "2026-04-30"
              source: https://github.com/nodejs/Release
              verified: 2026-11-30
              stable: "historical: a past date"
            """
        ),
        "  ",
    )
    data = facts.load(write(tmp_path, text))
    assert [c["package"] for c in data["tool-queue"].checks] == ["celery", "aio-pika", "pydantic"]
    assert data["node-24-status"].checks[0] == {
        "schedule": "node",
        "line": "24",
        "status": "maintenance",
    }
    assert data["node-20-eol-again"].stable.startswith("historical:")
    assert facts.uncovered(data) == ["node-20-eol"]
    rows = [row for row in facts.table(data, ["tool"]) if "Queues" in row]
    assert "[aio-pika](https://pypi.org/project/aio-pika/)" in rows[0]
    assert "[celery]" not in rows[0]  # the fact's own source already is celery's page


def test_a_quoted_version_must_stand_alone_in_the_value(tmp_path: Path) -> None:
    text = GOOD.replace(
        "check: {registry: pypi, package: fastapi}",
        'checks: [{registry: pypi, package: fastapi, version: "0.16"}]',
    )
    with pytest.raises(facts.FactError, match="must appear in the value"):
        facts.load(write(tmp_path, text))


def test_every_fact_in_the_data_file_is_checked_or_marked_stable() -> None:
    assert facts.uncovered(facts.load()) == []


def test_load_rejects_a_file_without_a_facts_list(tmp_path: Path) -> None:
    with pytest.raises(facts.FactError, match="top-level 'facts:' list"):
        facts.load(write(tmp_path, "- id: x\n"))


def test_load_rereads_the_file_when_it_changes(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    assert facts.value("node-20-eol", facts.load(path)) == "2026-04-30"
    path.write_text(GOOD.replace('"2026-04-30"', '"2026-05-01"'), encoding="utf-8")
    later = path.stat().st_mtime + 5  # the same second on a coarse clock must still reload
    os.utime(path, (later, later))
    assert facts.value("node-20-eol", facts.load(path)) == "2026-05-01"


def test_unknown_id_raises_and_suggests_similar_ids(data: dict[str, facts.Fact]) -> None:
    with pytest.raises(facts.FactError, match=r"unknown fact 'node-22-eol'.*node-20-eol"):
        facts.get("node-22-eol", data)


def test_inline_token_becomes_the_value_linked_to_its_source(
    data: dict[str, facts.Fact],
) -> None:
    [line] = facts.render(["Node 20 ended on [[fact:node-20-eol]]."], data)
    assert line == (
        "Node 20 ended on [2026-04-30](https://github.com/nodejs/Release#release-schedule"
        ' "Source, checked 2026-11-22").'
    )


def test_tokens_in_code_spans_and_fenced_blocks_are_left_alone(
    data: dict[str, facts.Fact],
) -> None:
    lines = [
        "Write `[[fact:ID]]` to quote [[fact:node-20-eol]].",
        "```text",
        "[[fact:no-such-fact]]",
        "[[facts-table]]",
        "```",
    ]
    rendered = facts.render(lines, data)
    assert rendered[0].startswith("Write `[[fact:ID]]` to quote [2026-04-30](")
    assert rendered[1:] == lines[1:]


def test_table_renders_every_fact_and_escapes_pipes(data: dict[str, facts.Fact]) -> None:
    rendered = facts.render(["[[facts-table]]"], data)
    rows = [line for line in rendered if line.startswith("|")]
    assert rows[0] == "| Fact | Value | Source | Checked |"
    assert len(rows) == 4
    assert "FastAPI \\| newest" in rows[3]
    assert "[pypi.org/project](https://pypi.org/project/fastapi/) | 2026-11-01 |" in rows[3]


def test_table_filter_keeps_only_the_listed_categories(data: dict[str, facts.Fact]) -> None:
    rendered = facts.render(["  [[facts-table:framework]]"], data)
    rows = [line for line in rendered if line.strip().startswith("|")]
    assert len(rows) == 3
    assert all(row.startswith("  |") for row in rows)  # indentation kept for admonitions/tabs
    assert "FastAPI" in rows[2]


@pytest.mark.parametrize(
    ("token", "message"),
    [("[[facts-table:runtime]]", "unknown fact categories"), ("[[facts-table:tool]]", "no facts")],
)
def test_table_with_a_bad_filter_raises(
    data: dict[str, facts.Fact], token: str, message: str
) -> None:
    with pytest.raises(facts.FactError, match=message):
        facts.render([token], data)


def test_extension_renders_html_through_python_markdown(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    page = textwrap.dedent(
        """\
        Ended on [[fact:node-20-eol]].

        [[facts-table:node]]
        """
    )
    html = markdown.markdown(page, extensions=["tables", facts.makeExtension(path=str(path))])
    assert '<a href="https://github.com/nodejs/Release#release-schedule"' in html
    assert ">2026-04-30</a>" in html
    assert html.count("<tr>") == 2


def test_extension_fails_on_an_unknown_fact(tmp_path: Path) -> None:
    extension = facts.makeExtension(path=str(write(tmp_path, GOOD)))
    with pytest.raises(facts.FactError, match="unknown fact 'node-99-eol'"):
        markdown.markdown("See [[fact:node-99-eol]].", extensions=[extension])


def test_a_table_token_inside_a_sentence_is_an_error(data: dict[str, facts.Fact]) -> None:
    with pytest.raises(facts.FactError, match="must stand alone on its line"):
        facts.render(["See [[facts-table:node]] below."], data)

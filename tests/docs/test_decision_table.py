"""The Decide pages' static tables are rendered from the decision tool's data files."""

import re

import markdown
import pytest

from scripts import decision_table
from scripts.decision_table import DecisionTableExtension

DATA = decision_table.load("decision.json")
SCENARIOS = decision_table.load("scenarios.json")["scenarios"]


def render(text: str) -> str:
    return markdown.markdown(text, extensions=["tables", "attr_list", DecisionTableExtension()])


def test_the_decide_pages_use_the_generated_blocks() -> None:
    pages = decision_table.ROOT / "docs" / "decide"
    index = (pages / "index.md").read_text(encoding="utf-8")
    for block in ("bands", "criteria", "questions"):
        assert f"\n[[decide:{block}]]\n" in index
    assert "\n[[decide:scenarios]]\n" in (pages / "scenarios.md").read_text(encoding="utf-8")


def test_criteria_table_has_every_criterion_with_weight_and_backing_pages() -> None:
    html = render("[[decide:criteria]]")
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    assert len(rows) == len(DATA["criteria"]) + 1  # the header row
    for row, criterion in zip(rows[1:], DATA["criteria"], strict=True):
        assert f"<td>{criterion['label']}</td>" in row
        assert f"<td>{criterion['weight']}</td>" in row
        for backing in criterion["backed_by"]:
            assert f'<a href="../{backing["page"]}">{backing["title"]}</a>' in row


def test_questions_table_shows_each_answer_with_its_weighted_points() -> None:
    html = render("[[decide:questions]]")
    options = [o for q in DATA["questions"] for o in q["options"]]
    assert html.count("<tr>") == len(options) + 1
    # "Python" for a Python team: effect 2 on Team skills, weight 3.
    assert "<td>Python</td>\n<td>Team skills: Python +6</td>" in html
    assert "Shape of the work per request: Node.js +4" in html


def test_bands_state_the_thresholds_from_the_data() -> None:
    html = render("[[decide:bands]]")
    either = DATA["bands"]["either_at_most"]
    assert f"from {-either} to +{either}" in html
    for band in DATA["bands"]["runtime"]:
        assert f"{band['confidence']} from {band['at_least']}" in html


def test_every_scenario_is_rendered_with_its_expected_result_and_tool_link() -> None:
    html = render("[[decide:scenarios]]")
    labels = {c["id"]: c["label"] for c in DATA["criteria"]}
    for scenario in SCENARIOS:
        expected = scenario["expected"]
        section = html.split(f'id="{scenario["id"]}"', 1)[1].split("<h2", 1)[0]
        outcome = DATA["outcomes"][expected["recommendation"]]["label"]
        assert f"{outcome}, {expected['confidence']} confidence" in section
        for factor in expected["factors"]:
            assert labels[factor] in section
        query = "&amp;".join(f"{k}={v}" for k, v in scenario["answers"].items())
        assert f'href="index.md?{query}"' in section
        assert f'href="#{scenario["id"]}"' in html  # listed in the index table


def test_other_lines_are_left_alone_and_unknown_blocks_fail() -> None:
    assert render("Text with [[decide:criteria]] inline.") == (
        "<p>Text with [[decide:criteria]] inline.</p>"
    )
    with pytest.raises(ValueError, match="unknown decision block"):
        render("[[decide:nonsense]]")

"""The decision tool's tables, counts and scenarios are rendered from its data files."""

import json
import re
from typing import Any

import markdown
import pytest

from scripts import decision_table
from scripts.decision_table import DecisionTableExtension

DATA = decision_table.load("decision.json")
SCENARIOS = decision_table.load("scenarios.json")["scenarios"]
DOCS = decision_table.ROOT / "docs"


def render(text: str) -> str:
    extensions: list[Any] = ["tables", "attr_list", "md_in_html", DecisionTableExtension()]
    return markdown.markdown(text, extensions=extensions)


def rows(html: str) -> list[str]:
    return re.findall(r"<tr>(.*?)</tr>", html, re.S)


def test_the_pages_use_the_generated_blocks() -> None:
    index = (DOCS / "decide" / "index.md").read_text(encoding="utf-8")
    for block in ("tool", "rules", "criteria", "questions"):
        assert f"\n[[decide:{block}]]\n" in index
    scenarios = (DOCS / "decide" / "scenarios.md").read_text(encoding="utf-8")
    assert "\n[[decide:scenarios]]\n" in scenarios
    assert "\n[[decide:changed]]\n" in scenarios
    assert "\n[[decide:glance root=.]]\n" in (DOCS / "index.md").read_text(encoding="utf-8")
    answer = (DOCS / "start" / "answer.md").read_text(encoding="utf-8")
    assert "\n[[decide:glance root=..]]\n" in answer


def test_the_pages_generate_their_counts_instead_of_typing_them() -> None:
    # The 60-second answer once said "one of four things below" above six rows.
    number = r"\b(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b"
    counted = r"(criteria|conditions|things|questions|scenarios|others|rows)"
    for page in ("index.md", "start/answer.md", "decide/index.md", "decide/scenarios.md"):
        text = (DOCS / page).read_text(encoding="utf-8")
        typed = re.findall(rf"{number}(?: \w+)? {counted}", text, re.I)
        assert typed == [], f"{page} types a count: {typed}"
    answer = render((DOCS / "start" / "answer.md").read_text(encoding="utf-8"))
    count = decision_table.in_words(len(DATA["criteria"]))
    assert f"Of the {count} criteria in the table below" in " ".join(answer.split())
    assert len(rows(answer.split('class="decide-glance"')[1])) == len(DATA["criteria"]) + 1


def test_the_prose_names_the_criteria_that_weigh_as_much_as_skills() -> None:
    # The home page and the 60-second answer say that existing code and single-ecosystem
    # libraries weigh as much as the team's skills; this holds them to the data.
    heaviest = max(c["weight"] for c in DATA["criteria"])
    assert [c["id"] for c in DATA["criteria"] if c["weight"] == heaviest] == [
        "skills",
        "existing",
        "libs",
    ]


def test_criteria_table_has_every_criterion_with_its_sides_and_backing_pages() -> None:
    html = render("[[decide:criteria]]")
    found = rows(html)
    assert len(found) == len(DATA["criteria"]) + 1  # the header row
    for row, criterion in zip(found[1:], DATA["criteria"], strict=True):
        assert f"<td>{criterion['label']}</td>" in row
        assert f"<td>{criterion['weight']}</td>" in row
        assert f"<td>{criterion['neutral_when']}</td>" in row
        for backing in criterion["backed_by"]:
            assert f'<a href="../{backing["page"]}">{backing["title"]}</a>' in row


def test_questions_table_shows_what_each_answer_moves_or_why_it_is_neutral() -> None:
    html = render("[[decide:questions]]")
    options = [o for q in DATA["questions"] for o in q["options"]]
    assert html.count("<tr>") == len(options) + 1
    # "Python" for a Python team: effect 2 on Team skills, weight 3.
    assert "<td>Python</td>\n<td>Python +6</td>" in html
    assert "Feeds: Team skills, weight 3" in html
    assert "<td>Node.js +4</td>" in html  # many long-lived connections
    for option in options:
        if option["effect"] == 0:
            assert f"<td>neutral: {option['neutral']}</td>" in html


def test_rules_state_the_thresholds_from_the_data() -> None:
    html = render("[[decide:rules]]")
    rules = DATA["rules"]
    assert f"Fewer than {decision_table.in_words(rules['min_answered'])} questions" in html
    assert f"within {rules['either_at_most']} points" in html
    assert f"by {rules['split_at']} points or more" in html
    assert f"minus {rules['open_cost']} points for every question left open" in html
    assert f"A margin of {rules['confidence']['high']} or more is high confidence" in html
    assert html.count("<li>") == 5


def test_glance_table_links_each_criterion_to_its_evidence_from_any_folder() -> None:
    home = render("[[decide:glance root=.]]")
    start = render("[[decide:glance root=..]]")
    assert 'class="decide-glance"' in home
    for criterion in DATA["criteria"]:
        page = criterion["backed_by"][0]["page"]
        assert f'<a href="{page}">' in home
        assert f'<a href="../{page}">' in start
    assert len(rows(home)) == len(DATA["criteria"]) + 1


def test_every_scenario_is_rendered_with_its_expected_result_and_tool_link() -> None:
    html = render("[[decide:scenarios]]")
    labels = {c["id"]: c["label"] for c in DATA["criteria"]}
    for scenario in SCENARIOS:
        expected = scenario["expected"]
        section = html.split(f'id="{scenario["id"]}"', 1)[1].split("<h2", 1)[0]
        verdict = decision_table.verdict_label(DATA, decision_table.scenario_key(expected))
        if expected["confidence"]:
            assert f"{verdict}, {expected['confidence']} confidence" in section
        else:
            assert f"{verdict}: no verdict and no confidence" in section
        for side in ("python", "node"):
            for criterion in expected[side]:
                assert labels[criterion] in section
        if expected["change"]:
            target = decision_table.verdict_label(DATA, expected["change"]["to"])
            assert f"would make it {target}" in section
        query = "&amp;".join(f"{k}={v}" for k, v in scenario["answers"].items())
        assert f'href="index.md?{query}"' in section
        assert f'href="#{scenario["id"]}"' in html  # listed in the index table
        if "changed_from" in scenario:
            assert "Changed from the first version of the tool" in section


def test_the_changed_scenarios_are_listed_with_the_old_result() -> None:
    html = render("[[decide:changed]]")
    changed = [s for s in SCENARIOS if "changed_from" in s]
    assert html.count("<li>") == len(changed)
    for scenario in changed:
        assert f'<a href="#{scenario["id"]}">{scenario["title"]}</a>' in html
        assert f"{scenario['changed_from']['result']} before" in html


def test_the_tool_is_in_the_page_with_every_question_open_and_no_verdict() -> None:
    # The page carries the tool's first state, so nothing moves when its script starts.
    html = render("Before.\n\n[[decide:tool]]\n\nAfter.")
    # The script that marks a shared link's page comes first, then the tool.
    assert html.startswith("<p>Before.</p>\n<script>")
    assert html.index("decide-arranging") < html.index('<div id="decide-tool"')
    assert html.endswith("<p>After.</p>")
    tool = html.split('<div id="decide-tool" class="decide-tool">', 1)[1]
    criteria = {c["id"]: c for c in DATA["criteria"]}
    fieldsets = re.findall(r'<fieldset data-question="(\w+)">(.*?)</fieldset>', tool, re.S)
    assert [question for question, _ in fieldsets] == [q["id"] for q in DATA["questions"]]
    for (_, fieldset), question in zip(fieldsets, DATA["questions"], strict=True):
        weight = criteria[question["criterion"]]["weight"]
        # "Not sure yet" first and ticked, then every option with the points it moves.
        options = re.findall(r'<input type="radio" name="\w+" value="([\w-]*)"', fieldset)
        assert options == ["", *(o["id"] for o in question["options"])]
        assert 'value="" checked><span>Not sure yet</span>' in fieldset
        assert fieldset.count("checked") == 1
        for option in question["options"]:
            points = option["effect"] * weight
            side = "python" if points > 0 else "node"
            tag = f"{DATA['runtimes'][side]['label']} +{abs(points)}" if points else "neutral"
            if option.get("extends"):
                tag += ", extends it"
            assert f'<span class="decide-tag">{tag}</span>' in fieldset
    assert f"Questions: 0 of {len(DATA['questions'])} answered" in tool
    assert 'data-outcome="none"' in tool
    assert f'data-field="verdict">{DATA["outcomes"]["none"]["label"]}</strong>' in tool
    # The script that lays a shared link out before the first paint knows every answer.
    choices = re.search(r"const choices = (\{.*?\});", html)
    assert choices is not None
    assert json.loads(choices[1]) == {
        q["id"]: [o["id"] for o in q["options"]] for q in DATA["questions"]
    }


def test_counts_are_replaced_inside_lines_and_other_tokens_fail_loudly() -> None:
    html = render("We weigh [[decide:count:criteria]] criteria, [[decide:count:questions]] ways.")
    count = decision_table.in_words(len(DATA["criteria"]))
    assert html == f"<p>We weigh {count} criteria, {count} ways.</p>"
    assert render("Text with [[decide:criteria]] inline.") == (
        "<p>Text with [[decide:criteria]] inline.</p>"
    )
    with pytest.raises(ValueError, match="unknown decision block"):
        render("[[decide:nonsense]]")
    with pytest.raises(ValueError, match="unknown decision count"):
        render("[[decide:count:nonsense]]")

"""Render the decision tool's tables and counts from its data files at build time.

A Python-Markdown extension. On a page, a line that holds only one of these tokens becomes
Markdown built from `docs/assets/data/decision.json` and `scenarios.json`, the files the
page's JavaScript scores:

- `[[decide:rules]]`: how answers become a verdict, and where confidence comes from;
- `[[decide:criteria]]`: every criterion with its weight, its sides and its evidence;
- `[[decide:questions]]`: every question, the criterion it feeds, and what each answer
  moves, or why it is neutral;
- `[[decide:glance]]`: the one-glance table: criterion -> Python / Node.js / either;
- `[[decide:scenarios]]`: the worked scenarios, as `tests/node/decide` asserts them;
- `[[decide:changed]]`: the scenarios whose result changed from the tool's first model;
- `[[decide:tool]]`: the tool itself as the page opens (every question open, no verdict
  yet), so the page has its final layout before the script runs (no layout shift); the
  script (`assets/javascripts/decide/tool.js`) takes the form over and fills in the result.

Links are written for a page in `docs/decide/`; a page elsewhere says where the docs root
is, as in `[[decide:glance root=..]]` from `docs/start/` or `root=.` from `docs/`.
Inside any line, `[[decide:count:NAME]]` (criteria, questions, scenarios, or minimum: the
answers a verdict needs) becomes the number in words, so that no page retypes a number
the data can change. Readers without JavaScript get the whole method from these tables.
"""

from __future__ import annotations

import json
import re
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "docs" / "assets" / "data"
LINE = re.compile(r"^\[\[decide:(?P<block>[a-z]+)(?: root=(?P<root>\.|\.\.(?:/\.\.)*))?\]\]$")
COUNT = re.compile(r"\[\[decide:count:(?P<name>[a-z]+)\]\]")
WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
WORDS += ["ten", "eleven", "twelve"]
SIDES = {"python": 1, "node": -1}

Data = dict[str, Any]


def load(name: str, data_dir: Path = DATA_DIR) -> Data:
    """Read one of the tool's JSON data files."""
    loaded: Data = json.loads((data_dir / name).read_text(encoding="utf-8"))
    return loaded


def in_words(number: int) -> str:
    """A count as a word up to twelve ("seven"), in digits above."""
    return WORDS[number] if number < len(WORDS) else str(number)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _runtime(data: Data, side: str) -> str:
    label: str = data["runtimes"][side]["label"]
    return label


def _other(side: str) -> str:
    return "node" if side == "python" else "python"


def _signed(data: Data, points: int) -> str:
    if points == 0:
        return "neutral"
    return f"{_runtime(data, 'python' if points > 0 else 'node')} +{abs(points)}"


def _links(criterion: Data, prefix: str) -> str:
    return ", ".join(f"[{b['title']}]({prefix}{b['page']})" for b in criterion["backed_by"])


def _criteria(data: Data) -> dict[str, Data]:
    return {c["id"]: c for c in data["criteria"]}


def _question_for(data: Data, criterion_id: str) -> Data:
    question: Data = next(q for q in data["questions"] if q["criterion"] == criterion_id)
    return question


def _option(question: Data, option_id: str) -> Data:
    option: Data = next(o for o in question["options"] if o["id"] == option_id)
    return option


def _moves(data: Data, question: Data, option: Data) -> str:
    criterion = _criteria(data)[question["criterion"]]
    if option["effect"] == 0:
        return f"neutral: {option['neutral']}"
    moves = _signed(data, option["effect"] * criterion["weight"])
    return (
        f"{moves}, and the work extends that codebase (rule 2)" if option.get("extends") else moves
    )


def rules_block(data: Data) -> list[str]:
    """The verdict rules in order, and the paragraph on confidence, with the data's numbers."""
    rules = data["rules"]
    separable = next(c for c in data["criteria"] if c.get("separable"))
    conf, either = rules["confidence"], rules["either_confidence"]
    return [
        "Every answer gives its criterion points: the answer's effect (from -2 to +2) times "
        "the criterion's weight, Python counting positive and Node.js negative. The "
        "verdict follows from the points by the first rule that applies:",
        "",
        f"1. Fewer than {in_words(rules['min_answered'])} questions answered: **no answer "
        "yet**. The tool shows no verdict and no confidence.",
        "2. The work extends a codebase you run: **extend** it, in its runtime. The "
        f"codebase's points count twice. If the work also needs "
        f"{separable['aside']} of the other runtime only, **split**, keeping the "
        "codebase.",
        f"3. The work needs {separable['aside']} of one runtime only, while the other "
        f"criteria lead towards the other runtime by {rules['split_at']} points or more: "
        "**split**: a service in each runtime, cut along the work that needs the "
        "libraries.",
        f"4. The two sides within {rules['either_at_most']} points of each other: "
        "**either** runtime.",
        "5. Otherwise the runtime ahead: **Python** or **Node.js**.",
        "",
        "**Confidence** comes from the margin: how far the leading side is ahead, minus "
        f"{rules['open_cost']} points for every question left open, because an open "
        f"question could still pull the other way. A margin of {conf['high']} or more is "
        f"high confidence, {conf['medium']} or more medium, anything less low. For a "
        "split the lead is that of the other criteria without the libraries; to extend, "
        "the codebase counts twice. For *either*, confidence says how sure the tie is: "
        f"high when the pulls that cancel out and the open questions add up to at most "
        f"{either['high']} points, medium up to {either['medium']}, low above that.",
    ]


def criteria_table(data: Data, prefix: str = "../") -> list[str]:
    """Every criterion: weight, what makes it point each way or neither, and its pages."""
    rows = [
        "| Criterion | Weight | Towards Python when | Towards Node.js when "
        "| Neutral when | Backed by |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for c in data["criteria"]:
        rows.append(
            f"| {c['label']} | {c['weight']} | {_cell(c['python_when'])} "
            f"| {_cell(c['node_when'])} | {_cell(c['neutral_when'])} | {_links(c, prefix)} |"
        )
    return rows


def questions_table(data: Data) -> list[str]:
    """Every question with the criterion it feeds, and each answer's points or reason."""
    criteria = _criteria(data)
    rows = ["| Question | Answer | Moves |", "| --- | --- | --- |"]
    for question in data["questions"]:
        criterion = criteria[question["criterion"]]
        for index, option in enumerate(question["options"]):
            asked = ""
            if index == 0:
                asked = (
                    f"**{_cell(question['label'])}**<br>Feeds: {criterion['label']}, "
                    f"weight {criterion['weight']}"
                )
            rows.append(
                f"| {asked} | {_cell(option['label'])} | {_cell(_moves(data, question, option))} |"
            )
    return rows


def glance_table(data: Data, prefix: str) -> list[str]:
    """The one-glance table of the home page and the 60-second answer, cards on a phone."""
    rows = [
        "| Criterion | Points to Python when | Points to Node.js when | Either when | Evidence |",
        "| --- | --- | --- | --- | --- |",
    ]
    for c in data["criteria"]:
        rows.append(
            f"| **{c['label']}** (weight&nbsp;{c['weight']}) | {_cell(c['python_when'])} "
            f"| {_cell(c['node_when'])} | {_cell(c['neutral_when'])} | {_links(c, prefix)} |"
        )
    return ['<div class="decide-glance" markdown>', "", *rows, "", "</div>"]


def verdict_label(data: Data, key: str) -> str:
    """The outcome's label for an outcome key such as "python" or "split:node"."""
    outcome, _, runtime = key.partition(":")
    runtime = runtime or (outcome if outcome in SIDES else "")
    text: str = data["outcomes"][outcome]["label"]
    if runtime:
        text = text.replace("{runtime}", _runtime(data, runtime))
        text = text.replace("{other}", _runtime(data, _other(runtime)))
    return text


def scenario_key(expected: Data) -> str:
    outcome: str = expected["outcome"]
    if outcome in ("split", "extend"):
        return f"{outcome}:{expected['runtime']}"
    return outcome


def _risk(data: Data, expected: Data) -> str:
    if expected["outcome"] == "none":
        return "none named without a verdict"
    if expected["risk_from"]:
        risk: str = _criteria(data)[expected["risk_from"]]["risk"][expected["runtime"]]
        return risk
    default: str = data["default_risk"][expected["outcome"]]
    return default


def _side(data: Data, scenario: Data, side: str) -> str:
    criteria = _criteria(data)
    parts = []
    for criterion_id in scenario["expected"][side]:
        question = _question_for(data, criterion_id)
        option = _option(question, scenario["answers"][question["id"]])
        points = abs(option["effect"] * criteria[criterion_id]["weight"])
        parts.append(f"{criteria[criterion_id]['label']} +{points}")
    return ", ".join(parts) or "nothing"


def _change(data: Data, scenario: Data) -> str:
    change = scenario["expected"]["change"]
    if change is None:
        if scenario["expected"]["outcome"] == "none":
            return "answer more questions: there is no verdict to change yet"
        return "no change of one or two answers"
    criteria = _criteria(data)
    parts = []
    for question_id, option_id in change["answers"].items():
        question = next(q for q in data["questions"] if q["id"] == question_id)
        was = scenario["answers"].get(question_id)
        instead = f' instead of "{_option(question, was)["label"]}"' if was else ""
        parts.append(
            f"{criteria[question['criterion']]['label']}: "
            f'"{_option(question, option_id)["label"]}"{instead}'
        )
    return f"{' and '.join(parts)} would make it {verdict_label(data, change['to'])}"


def scenario_index(data: Data, scenarios: list[Data]) -> list[str]:
    rows = ["| Outcome | Scenarios |", "| --- | --- |"]
    keys = sorted({scenario_key(s["expected"]) for s in scenarios}, key=_outcome_order(data))
    for key in keys:
        found = [s for s in scenarios if scenario_key(s["expected"]) == key]
        names = ", ".join(f"[{s['title']}](#{s['id']})" for s in found)
        rows.append(f"| {verdict_label(data, key)} | {names} |")
    return rows


def _outcome_order(data: Data) -> Any:
    order = list(data["outcomes"])

    def position(key: str) -> tuple[int, str]:
        outcome, _, runtime = key.partition(":")
        return order.index(outcome), runtime

    return position


def scenario_sections(data: Data, scenarios: list[Data]) -> list[str]:
    """An index by outcome, then each scenario: result, both sides, risk, change, answers."""
    criteria = _criteria(data)
    lines = [*scenario_index(data, scenarios), ""]
    for s in scenarios:
        expected = s["expected"]
        verdict = verdict_label(data, scenario_key(expected))
        if expected["confidence"]:
            verdict += f", {expected['confidence']} confidence"
        else:
            verdict += ": no verdict and no confidence"
        lines += [f"## {s['title']} {{#{s['id']}}}", "", s["situation"], ""]
        lines += [
            f"- **Result:** {verdict}",
            f"- **Towards Python:** {_side(data, s, 'python')}",
            f"- **Towards Node.js:** {_side(data, s, 'node')}",
            f"- **Main risk:** {_risk(data, expected)}",
            f"- **What would change it:** {_change(data, s)}",
            "",
            f"{s['why']} [Open these answers in the decision tool]"
            f"(index.md?{urlencode(s['answers'])}).",
            "",
        ]
        if "changed_from" in s:
            before = s["changed_from"]
            lines += [
                '!!! note "Changed from the first version of the tool"',
                "",
                f"    It said: {before['result']}. {before['because']}",
                "",
            ]
        lines += ["| Criterion | Answer | Moves |", "| --- | --- | --- |"]
        for question in data["questions"]:
            label = criteria[question["criterion"]]["label"]
            answer = s["answers"].get(question["id"])
            if answer is None:
                lines.append(f"| {label} | not answered | nothing |")
                continue
            option = _option(question, answer)
            lines.append(
                f"| {label} | {_cell(option['label'])} | {_cell(_moves(data, question, option))} |"
            )
        lines.append("")
    return lines


def changed_list(data: Data, scenarios: list[Data]) -> list[str]:
    """The scenarios whose result differs from the tool's first model, and why."""
    lines = []
    for s in scenarios:
        if "changed_from" not in s:
            continue
        expected = s["expected"]
        now = f"{verdict_label(data, scenario_key(expected))}, {expected['confidence']} confidence"
        lines.append(
            f"- **[{s['title']}](#{s['id']})**: {s['changed_from']['result']} before, "
            f"now {now}. {s['changed_from']['because']}"
        )
    return lines


def _fill(template: str, values: dict[str, str]) -> str:
    """`{name}` -> values["name"], as scoring.js's fill() does."""
    return re.sub(r"\{(\w+)\}", lambda match: values.get(match[1], match[0]), template)


def _attributes(attributes: dict[str, str]) -> str:
    return "".join(f' {name}="{escape(value)}"' for name, value in attributes.items())


def _element(tag: str, attributes: dict[str, str], *children: str) -> str:
    return f"<{tag}{_attributes(attributes)}>{''.join(children)}</{tag}>"


def _tag(data: Data, criterion: Data, option: Data) -> str:
    """The points an option moves, as the form shows them: "open", "Node.js +6", "neutral"."""
    text = _signed(data, option["effect"] * criterion["weight"])
    return f"{text}, extends it" if option.get("extends") else text


def tool_block(data: Data) -> list[str]:
    """The decision tool as the page opens, without answers: the questions, then the result.

    The markup is the one the script keeps: it ticks the answers of a shared link in this
    form, reads the form on every change and redraws the result and the summary bar.
    Hidden without JavaScript (guide.css), where the tables below stand in for it.
    """
    criteria = _criteria(data)
    count = len(data["questions"])
    fieldsets = []
    for question in data["questions"]:
        criterion = criteria[question["criterion"]]
        feeds = f"Feeds one criterion: {criterion['label']}, weight {criterion['weight']}."
        if question.get("help"):
            feeds += f" {question['help']}"
        options = [
            _element(
                "label",
                {"class": "decide-option"},
                f'<input type="radio" name="{escape(question["id"])}" value="" checked>',
                _element("span", {}, "Not sure yet"),
                _element("span", {"class": "decide-tag"}, "open"),
            )
        ]
        for option in question["options"]:
            radio = _attributes({"type": "radio", "name": question["id"], "value": option["id"]})
            options.append(
                _element(
                    "label",
                    {"class": "decide-option"},
                    f"<input{radio}>",
                    _element("span", {}, escape(option["label"])),
                    _element(
                        "span", {"class": "decide-tag"}, escape(_tag(data, criterion, option))
                    ),
                )
            )
        fieldsets.append(
            _element(
                "fieldset",
                {"data-question": question["id"]},
                _element("legend", {}, escape(question["label"])),
                _element("p", {"class": "decide-feeds"}, escape(feeds)),
                *options,
            )
        )
    none = data["outcomes"]["none"]
    values = {"min": str(data["rules"]["min_answered"]), "count": str(count)}
    needed = data["rules"]["min_answered"]
    answers = _element(
        "details",
        {"class": "decide-answers", "id": "decide-answers", "open": ""},
        _element(
            "summary", {"class": "decide-answers__summary"}, f"Questions: 0 of {count} answered"
        ),
        _element("form", {"class": "decide-form"}, *fieldsets),
        _element(
            "div",
            {"class": "decide-summary", "aria-live": "polite"},
            _element(
                "span",
                {"class": "decide-summary__text"},
                _element("strong", {}, escape(_fill(none["label"], values))),
                f": {needed} more {'answer' if needed == 1 else 'answers'} for a verdict.",
            ),
        ),
    )
    result = _element(
        "section",
        {
            "class": "decide-result",
            "id": "decide-result",
            "aria-labelledby": "decide-result-heading",
            "data-outcome": "none",
            "data-runtime": "",
            "data-confidence": "",
        },
        _element("h2", {"class": "decide-heading", "id": "decide-result-heading"}, "Your result"),
        _element(
            "p",
            {"class": "decide-verdict"},
            _element("strong", {"data-field": "verdict"}, escape(_fill(none["label"], values))),
        ),
        _element("p", {"data-field": "headline"}, escape(_fill(none["headline"], values))),
        _element(
            "p",
            {"class": "decide-meta"},
            _element("span", {}, f"0 of {count} questions answered."),
            " ",
            _element("a", {"href": "#decide-answers", "class": "decide-change"}, "Change answers"),
        ),
        _element(
            "p",
            {"class": "decide-actions"},
            _element(
                "button",
                {"type": "button", "data-action": "copy-link", "class": "md-button decide-button"},
                "Copy link",
            ),
        ),
        _element("p", {"class": "decide-status", "role": "status"}, ""),
    )
    # A shared link opens on its result. The first script, ahead of the tool, marks the
    # page while the tool is arranged for it: the mark hides the tool and holds a screen
    # for it (guide.css), so a paint between the two scripts (a busy browser may paint
    # halfway through parsing) shows nothing that then moves. The second script, after the
    # tool, arranges it and lifts the mark; tool.js then fills it in. A link counts as
    # shared when it answers a question, as tool.js decides (parseAnswers).
    choices = {q["id"]: [o["id"] for o in q["options"]] for q in data["questions"]}
    mark = (
        "<script>(() => {"
        f"const choices = {json.dumps(choices, separators=(',', ':'))};"
        "const query = new URLSearchParams(location.search);"
        "if (Object.entries(choices).some(([id, ids]) => ids.includes(query.get(id))))"
        ' document.documentElement.classList.add("decide-arranging");'
        "})();</script>"
    )
    arrange = (
        "<script>(() => {"
        "const page = document.documentElement;"
        'if (!page.classList.contains("decide-arranging")) return;'
        'const root = document.getElementById("decide-tool");'
        'root.prepend(root.querySelector(".decide-result"));'
        'root.querySelector(".decide-answers").open = false;'
        'root.classList.add("decide-tool--result-first", "decide-tool--pending");'
        'page.classList.remove("decide-arranging");'
        "})();</script>"
    )
    # One line each: Markdown passes a block of raw HTML through whole, up to a blank line.
    tool = _element("div", {"id": "decide-tool", "class": "decide-tool"}, answers, result)
    return [mark, "", tool, "", arrange]


class DecisionTablePreprocessor(Preprocessor):
    def __init__(self, md: Markdown, data_dir: Path) -> None:
        super().__init__(md)
        self.data_dir = data_dir

    def run(self, lines: list[str]) -> list[str]:
        if not any("[[decide:" in line for line in lines):
            return lines
        data = load("decision.json", self.data_dir)
        scenarios: list[Data] = load("scenarios.json", self.data_dir)["scenarios"]
        counts = {
            "criteria": len(data["criteria"]),
            "questions": len(data["questions"]),
            "scenarios": len(scenarios),
            "minimum": data["rules"]["min_answered"],
        }

        def count(match: re.Match[str]) -> str:
            if match["name"] not in counts:
                raise ValueError(f"unknown decision count {match[0]!r}; known: {sorted(counts)}")
            return in_words(counts[match["name"]])

        out: list[str] = []
        for line in lines:
            match = LINE.match(line)
            if match is None:
                out.append(COUNT.sub(count, line))
                continue
            root = match["root"]
            prefix = "../" if root is None else ("" if root == "." else f"{root}/")
            out += ["", *self.block(line, match["block"], prefix, data, scenarios), ""]
        return out

    @staticmethod
    def block(line: str, name: str, prefix: str, data: Data, scenarios: list[Data]) -> list[str]:
        if name == "rules":
            return rules_block(data)
        if name == "criteria":
            return criteria_table(data, prefix)
        if name == "questions":
            return questions_table(data)
        if name == "glance":
            return glance_table(data, prefix)
        if name == "scenarios":
            return scenario_sections(data, scenarios)
        if name == "changed":
            return changed_list(data, scenarios)
        if name == "tool":
            return tool_block(data)
        known = ["changed", "criteria", "glance", "questions", "rules", "scenarios", "tool"]
        raise ValueError(f"unknown decision block {line!r}; known: {known}")


class DecisionTableExtension(Extension):
    def __init__(self, **kwargs: Any) -> None:
        self.config = {"data_dir": [str(DATA_DIR), "folder holding decision.json"]}
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:  # Python-Markdown's name
        data_dir = Path(self.getConfig("data_dir"))
        # After normalize_whitespace (30), before html_block (20): the output is plain Markdown.
        md.preprocessors.register(DecisionTablePreprocessor(md, data_dir), "decision_table", 25)


def makeExtension(**kwargs: Any) -> DecisionTableExtension:  # the name Markdown looks up
    return DecisionTableExtension(**kwargs)

"""Render the Decide pages' static tables from the decision tool's data files.

A Python-Markdown extension: on a page, a line that holds only `[[decide:criteria]]`,
`[[decide:questions]]`, `[[decide:bands]]` or `[[decide:scenarios]]` becomes Markdown
built from `docs/assets/data/decision.json` and `scenarios.json`, the same files the
page's JavaScript scores. Readers without JavaScript get the whole decision table, and
the worked scenarios cannot drift from what `tests/node/decide` asserts.

Links are written relative to `docs/decide/`, the only folder whose pages use these lines.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "docs" / "assets" / "data"
LINE = re.compile(r"^\[\[decide:(?P<block>[a-z]+)\]\]$")
LINK_PREFIX = "../"  # from docs/decide/<page>.md to docs/<section>/<page>.md


def load(name: str, data_dir: Path = DATA_DIR) -> dict[str, Any]:
    return json.loads((data_dir / name).read_text(encoding="utf-8"))


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _signed(points: int) -> str:
    return f"Python +{points}" if points > 0 else f"Node.js +{-points}"


def criteria_table(data: dict[str, Any]) -> list[str]:
    rows = [
        "| Criterion | Weight | Favours Python when | Favours Node.js when | Backed by |",
        "| --- | --- | --- | --- | --- |",
    ]
    for c in data["criteria"]:
        links = ", ".join(f"[{b['title']}]({LINK_PREFIX}{b['page']})" for b in c["backed_by"])
        rows.append(
            f"| {c['label']} | {c['weight']} | {_cell(c['python_when'])} "
            f"| {_cell(c['node_when'])} | {links} |"
        )
    return rows


def questions_table(data: dict[str, Any]) -> list[str]:
    rows = ["| Question | Answer | Points |", "| --- | --- | --- |"]
    for question in data["questions"]:
        for index, option in enumerate(question["options"]):
            asked = f"**{_cell(question['label'])}**" if index == 0 else ""
            rows.append(f"| {asked} | {_cell(option['label'])} | {_moves(data, option)} |")
    return rows


def bands_list(data: dict[str, Any]) -> list[str]:
    bands = data["bands"]
    either = bands["either_at_most"]
    runtime = ", ".join(f"{b['confidence']} from {b['at_least']}" for b in bands["runtime"])
    pulls = [b["pull_at_most"] for b in bands["either"]]
    return [
        f"- Each criterion's effects are added up, capped at ±{data['clamp']}, and multiplied "
        "by its weight. The points of all criteria are then added: Python counts positive, "
        "Node.js negative.",
        f"- A total from {-either} to +{either} means **either**: the answers do not "
        "decide between the runtimes.",
        f"- Otherwise the side ahead is recommended, with a confidence of {runtime} points.",
        f"- For *either*, confidence says whether nothing pulls (high, total pull up to "
        f"{pulls[0]} points), or strong criteria cancel each other (medium up to {pulls[1]}, "
        "low above): a tie between strong pulls is a judgement call, not an absence of one.",
        "- The deciding criteria are the three largest that point towards the recommendation; "
        "the main risk comes from the largest criterion that points away from it.",
    ]


def _moves(data: dict[str, Any], option: dict[str, Any]) -> str:
    weights = {c["id"]: (c["label"], c["weight"]) for c in data["criteria"]}
    moves = [
        f"{weights[cid][0]}: {_signed(effect * weights[cid][1])}"
        for cid, effect in option["effects"].items()
    ]
    return "; ".join(moves) or "none"


def scenario_index(data: dict[str, Any], scenarios: dict[str, Any]) -> list[str]:
    rows = ["| Outcome | Scenarios |", "| --- | --- |"]
    for outcome, meta in data["outcomes"].items():
        found = [s for s in scenarios["scenarios"] if s["expected"]["recommendation"] == outcome]
        names = ", ".join(f"[{s['title']}](#{s['id']})" for s in found)
        rows.append(f"| {meta['label']} | {names} |")
    return rows


def scenario_sections(data: dict[str, Any], scenarios: dict[str, Any]) -> list[str]:
    labels = {c["id"]: c["label"] for c in data["criteria"]}
    risks = {c["id"]: c["risk"] for c in data["criteria"]}
    questions = {q["id"]: q for q in data["questions"]}
    lines = [*scenario_index(data, scenarios), ""]
    for s in scenarios["scenarios"]:
        expected = s["expected"]
        outcome = expected["recommendation"]
        risk_from = expected["risk_from"]
        risk = risks[risk_from][outcome] if risk_from else data["default_risk"][outcome]
        factors = ", ".join(labels[f] for f in expected["factors"]) or "none: no answer pulls"
        lines += [f"## {s['title']} {{#{s['id']}}}", "", s["situation"], ""]
        lines += ["| Question | Answer | Points |", "| --- | --- | --- |"]
        for qid, answer in s["answers"].items():
            option = next(o for o in questions[qid]["options"] if o["id"] == answer)
            lines.append(
                f"| {_cell(questions[qid]['label'])} | {_cell(option['label'])} "
                f"| {_moves(data, option)} |"
            )
        lines += [
            "",
            f"- **Result:** {data['outcomes'][outcome]['label']}, "
            f"{expected['confidence']} confidence",
            f"- **Deciding criteria:** {factors}",
            f"- **Main risk:** {risk}",
            "",
            f"{s['why']} [Open these answers in the decision tool]"
            f"(index.md?{urlencode(s['answers'])}).",
            "",
        ]
    return lines


class DecisionTablePreprocessor(Preprocessor):
    def __init__(self, md: Markdown, data_dir: Path) -> None:
        super().__init__(md)
        self.data_dir = data_dir

    def run(self, lines: list[str]) -> list[str]:
        if not any(LINE.match(line) for line in lines):
            return lines
        data = load("decision.json", self.data_dir)
        blocks = {
            "criteria": lambda: criteria_table(data),
            "questions": lambda: questions_table(data),
            "bands": lambda: bands_list(data),
            "scenarios": lambda: scenario_sections(data, load("scenarios.json", self.data_dir)),
        }
        out: list[str] = []
        for line in lines:
            match = LINE.match(line)
            if match is None:
                out.append(line)
            elif match["block"] in blocks:
                out += ["", *blocks[match["block"]](), ""]
            else:
                raise ValueError(f"unknown decision block {line!r}; known: {sorted(blocks)}")
        return out


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

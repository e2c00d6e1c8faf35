"""The one ordered list of example topics (`data/topics.yml`), and the table rendered from it.

A topic's name is its folder under `examples/`, its page, its tests and its nav entry;
`scripts/doc_checks.py` checks every one of those places against this list. As a
Python-Markdown extension (`scripts.topics` under `markdown_extensions`), a line
`[[topics-table:SECTION]]` becomes the table of that section's topics and their pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

ROOT = Path(__file__).resolve().parent.parent
TOPICS_FILE = ROOT / "data" / "topics.yml"
RUNTIMES = ("python", "node")
SECTIONS = ("patterns", "performance")
TABLE_TOKEN = "[[topics-table:"  # noqa: S105 - a Markdown token, not a secret


class TopicError(ValueError):
    """The topics file is malformed, or a page asks for a section it does not hold."""


@dataclass(frozen=True)
class Page:
    """A page of the site that shows a topic's files."""

    name: str
    title: str
    shows: str


@dataclass(frozen=True)
class Topic:
    """One example topic: the same task written in each of its runtimes."""

    name: str
    title: str
    section: str
    shows: str
    pages: tuple[Page, ...] = ()
    only: str | None = None
    reason: str = ""

    @property
    def runtimes(self) -> tuple[str, ...]:
        return (self.only,) if self.only else RUNTIMES

    @property
    def page(self) -> str:
        """The topic's own page, relative to `docs/`."""
        return f"{self.section}/{self.name}.md"

    @property
    def all_pages(self) -> list[str]:
        """Its own page first, then the further pages, relative to `docs/`."""
        return [self.page, *(f"{self.section}/{page.name}.md" for page in self.pages)]


def _text(entry: dict[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise TopicError(f"{where}: {key!r} must be a non-empty string")
    return value.strip()


def _parse(entry: Any, index: int) -> Topic:
    where = f"{TOPICS_FILE.name} entry {index + 1}"
    if not isinstance(entry, dict):
        raise TopicError(f"{where}: expected a mapping")
    allowed = {"name", "title", "section", "shows", "pages", "only", "reason"}
    if unknown := set(entry) - allowed:
        raise TopicError(f"{where}: unknown keys {sorted(unknown)}")
    section = _text(entry, "section", where)
    if section not in SECTIONS:
        raise TopicError(f"{where}: section must be one of {SECTIONS}, not {section!r}")
    only = entry.get("only")
    if only is not None and only not in RUNTIMES:
        raise TopicError(f"{where}: only must be one of {RUNTIMES}, not {only!r}")
    reason = entry.get("reason", "")
    if only and not (isinstance(reason, str) and reason.strip()):
        raise TopicError(f"{where}: a topic in one runtime only needs a reason")
    pages = tuple(
        Page(_text(page, "name", where), _text(page, "title", where), _text(page, "shows", where))
        for page in entry.get("pages", [])
    )
    return Topic(
        name=_text(entry, "name", where),
        title=_text(entry, "title", where),
        section=section,
        shows=_text(entry, "shows", where),
        pages=pages,
        only=only,
        reason=reason.strip() if isinstance(reason, str) else "",
    )


def load(path: Path = TOPICS_FILE) -> list[Topic]:
    """Read and check the topics file; names must be unique."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(entries, list) or not entries:
        raise TopicError(f"{path.name}: expected a non-empty list of topics")
    topics = [_parse(entry, index) for index, entry in enumerate(entries)]
    names = [topic.name for topic in topics]
    if duplicated := sorted({name for name in names if names.count(name) > 1}):
        raise TopicError(f"{path.name}: duplicated topic names {duplicated}")
    return topics


def table(topics: list[Topic], section: str) -> list[str]:
    """The Markdown table of one section's topics, each further page on a row of its own."""
    rows = ["| Topic | Folder | What it shows |", "| --- | --- | --- |"]
    for topic in (topic for topic in topics if topic.section == section):
        runtimes = "" if not topic.only else f" ({topic.only} only)"
        rows.append(
            f"| [{topic.title}]({topic.name}.md) | `{topic.name}`{runtimes} | {topic.shows} |"
        )
        rows.extend(
            f"| [{page.title}]({page.name}.md) | `{topic.name}` | {page.shows} |"
            for page in topic.pages
        )
    if len(rows) == 2:
        raise TopicError(f"no topics in section {section!r}")
    return rows


class TopicsPreprocessor(Preprocessor):
    """Expands `[[topics-table:SECTION]]` lines before Markdown parses the page."""

    def __init__(self, md: Markdown, path: Path) -> None:
        super().__init__(md)
        self.path = path

    def run(self, lines: list[str]) -> list[str]:
        if not any(line.strip().startswith(TABLE_TOKEN) for line in lines):
            return lines
        topics = load(self.path)
        out: list[str] = []
        for line in lines:
            token = line.strip()
            if token.startswith(TABLE_TOKEN) and token.endswith("]]"):
                out.extend(["", *table(topics, token[len(TABLE_TOKEN) : -2]), ""])
            else:
                out.append(line)
        return out


class TopicsExtension(Extension):
    """`markdown_extensions: [scripts.topics]`; option `path` points at another topics file."""

    def __init__(self, **kwargs: Any) -> None:
        self.config = {"path": [str(TOPICS_FILE), "the YAML file that lists the topics"]}
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:  # Python-Markdown's name
        # After pymdownx.snippets (32), like scripts.facts.
        md.preprocessors.register(
            TopicsPreprocessor(md, Path(self.getConfig("path"))), "guide_topics", 30
        )


def makeExtension(**kwargs: Any) -> TopicsExtension:  # the name Markdown looks up
    return TopicsExtension(**kwargs)

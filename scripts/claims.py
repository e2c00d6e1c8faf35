"""Claims as data: what the source articles assert, checked once, shown in one place.

The four articles the guide started from (A to D, listed on the Reference page) make
claims that the guide checked against primary sources. Each check is a record in
`data/claims.yml`: the claim in a short paraphrase, the article, a `verdict`, the
`evidence` with its links, the date it was `checked` and the `page` that discusses the
topic. This Python-Markdown extension (registered as `scripts.claims` under
`markdown_extensions`) renders them:

- `[[claims-table]]` alone on a line becomes the table of every claim, each row with the
  anchor `#claim-ID`, on the Claims page (`docs/reference/claims.md`);
- `[[claim:ID]]` alone on a line becomes one short note, always labelled "Often claimed",
  with the claim, the verdict in a word, one line of evidence and a link to its row. It
  is meant for claims marked `widespread`, on the page the record names. Links assume a
  page one folder below `docs/`; elsewhere say where the docs root is, as in
  `[[claim:ID root=.]]`.

An unknown ID, a malformed record or a token that does not stand alone raises
`ClaimError`, which fails the build. Evidence may quote facts with `[[fact:ID]]`: this
preprocessor runs before `scripts.facts`, which then expands them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

ROOT = Path(__file__).resolve().parent.parent
CLAIMS_FILE = ROOT / "data" / "claims.yml"
CLAIMS_PAGE = "reference/claims.md"

NOTE_LABEL = "Often claimed"
VERDICTS = {
    "holds": "Holds",
    "partly": "Partly true",
    "outdated": "Outdated",
    "wrong": "Wrong",
    "unsupported": "Unsupported",
}
ARTICLES = ("A", "B", "C", "D")
REQUIRED = ("id", "article", "claim", "verdict", "evidence", "checked", "page", "widespread")
OPTIONAL = ("summary",)

_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_NOTE = re.compile(r"^(?P<indent>\s*)\[\[claim:(?P<id>[^\]\s]*)(?: root=(?P<root>[./]+))?\]\]\s*$")
_TABLE = re.compile(r"^\s*\[\[claims-table\]\]\s*$")
_ANY = re.compile(r"\[\[claims?[-:][^\]]*\]\]")
_FENCE = re.compile(r"^\s*(?P<fence>`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+).+?\1")


class ClaimError(ValueError):
    """The data file is malformed, or a page names a claim it does not hold."""


@dataclass(frozen=True)
class Claim:
    """One checked claim from `data/claims.yml`."""

    id: str
    articles: tuple[str, ...]
    claim: str
    verdict: str
    evidence: str
    checked: dt.date
    page: str
    widespread: bool
    summary: str = ""

    @property
    def anchor(self) -> str:
        """The id of the claim's row on the Claims page."""
        return f"claim-{self.id}"

    @property
    def verdict_label(self) -> str:
        return VERDICTS[self.verdict]

    @property
    def source(self) -> str:
        """The articles, as the table shows them: "A, B"."""
        return ", ".join(self.articles)


def _parse(entry: Any, index: int) -> Claim:
    if not isinstance(entry, dict):
        raise ClaimError(f"claim #{index} is not a mapping")
    where = f"claim {entry.get('id', f'#{index}')!r}"
    missing = [key for key in REQUIRED if entry.get(key) in (None, "")]
    unknown = sorted(set(entry) - set(REQUIRED) - set(OPTIONAL))
    if missing or unknown:
        raise ClaimError(
            f"{where}: missing {missing or 'nothing'}, unknown keys {unknown or 'none'}"
        )
    if not _ID.match(str(entry["id"])):
        raise ClaimError(f"{where}: ids are kebab-case (lower-case letters, digits, hyphens)")
    articles = tuple(part.strip() for part in str(entry["article"]).split(","))
    if not articles or any(article not in ARTICLES for article in articles):
        raise ClaimError(f"{where}: article must be one or more of {ARTICLES}, comma-separated")
    if entry["verdict"] not in VERDICTS:
        raise ClaimError(f"{where}: verdict must be one of {sorted(VERDICTS)}")
    if not isinstance(entry["widespread"], bool):
        raise ClaimError(f"{where}: widespread must be true or false")
    checked = entry["checked"]
    if not isinstance(checked, dt.date):
        try:
            checked = dt.date.fromisoformat(str(checked))
        except ValueError as error:
            raise ClaimError(f"{where}: checked {checked!r} is not a YYYY-MM-DD date") from error
    page = str(entry["page"])
    if not page.endswith(".md") or page.startswith("/") or ".." in page:
        raise ClaimError(f"{where}: page is a path under docs/, such as compare/performance.md")
    summary = " ".join(str(entry.get("summary") or "").split())
    if entry["widespread"] and entry["verdict"] != "holds" and not summary:
        raise ClaimError(f"{where}: a widespread claim needs a one-line summary for its note")
    return Claim(
        id=str(entry["id"]),
        articles=articles,
        claim=" ".join(str(entry["claim"]).split()),
        verdict=str(entry["verdict"]),
        evidence=" ".join(str(entry["evidence"]).split()),
        checked=checked,
        page=page,
        widespread=entry["widespread"],
        summary=summary,
    )


_cache: dict[Path, tuple[float, dict[str, Claim]]] = {}


def load(path: Path = CLAIMS_FILE) -> dict[str, Claim]:
    """Every claim in the data file, by ID, in file order; validated, cached until it changes."""
    path = Path(path)
    mtime = path.stat().st_mtime
    cached = _cache.get(path)
    if cached and cached[0] == mtime:
        return cached[1]
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = document.get("claims") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ClaimError(f"{path}: expected a non-empty top-level 'claims:' list")
    claims: dict[str, Claim] = {}
    for index, entry in enumerate(entries):
        claim = _parse(entry, index)
        if claim.id in claims:
            raise ClaimError(f"claim {claim.id!r} appears twice in {path}")
        claims[claim.id] = claim
    _cache[path] = (mtime, claims)
    return claims


def get(claim_id: str, claims: dict[str, Claim]) -> Claim:
    """One claim by ID; `ClaimError` names similar IDs when it does not exist."""
    try:
        return claims[claim_id]
    except KeyError:
        prefix = claim_id.split("-")[0]
        near = [known for known in claims if known.startswith(prefix)][:5]
        raise ClaimError(f"unknown claim {claim_id!r}; similar IDs: {near or 'none'}") from None


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def table(claims: dict[str, Claim]) -> list[str]:
    """The Claims page's table (Markdown lines), one anchored row per claim."""
    lines = [
        "| Claim | Source | Verdict | Evidence | Checked |",
        "| --- | --- | --- | --- | --- |",
    ]
    for claim in claims.values():
        lines.append(
            f'| <span id="{claim.anchor}"></span>{_cell(claim.claim)} | {claim.source}'
            f" | {claim.verdict_label} | {_cell(claim.evidence)} | {claim.checked.isoformat()} |"
        )
    return lines


def note(claim: Claim, root: str = "..") -> list[str]:
    """The short, uniformly labelled note for one claim, as admonition lines."""
    prefix = "" if root == "." else f"{root.rstrip('/')}/"
    articles = "article " if len(claim.articles) == 1 else "articles "
    line = claim.summary or claim.evidence
    return [
        f'!!! quote "{NOTE_LABEL}"',
        "",
        f"    *{claim.claim.rstrip('.')}* ({articles}{claim.source}, and often elsewhere).",
        f"    **{claim.verdict_label}.** {line}",
        f"    [Sources and the full check]({prefix}{CLAIMS_PAGE}#{claim.anchor}).",
    ]


def render(lines: list[str], claims: dict[str, Claim]) -> list[str]:
    """Replace the claim tokens in a page's lines, leaving fenced code blocks untouched."""
    out: list[str] = []
    fence: str | None = None
    for line in lines:
        opening = _FENCE.match(line)
        if fence is not None:
            if opening and opening["fence"][0] == fence[0] and len(opening["fence"]) >= len(fence):
                fence = None
            out.append(line)
        elif opening:
            fence = opening["fence"]
            out.append(line)
        elif _TABLE.match(line):
            indent = line[: len(line) - len(line.lstrip())]
            out.extend(["", *(indent + row for row in table(claims)), ""])
        elif match := _NOTE.match(line):
            rows = note(get(match["id"], claims), match["root"] or "..")
            out.extend(["", *(match["indent"] + row if row else "" for row in rows), ""])
        elif _ANY.search(_CODE_SPAN.sub("", line)):
            raise ClaimError(f"a claim token must stand alone on its line: {line.strip()!r}")
        else:
            out.append(line)
    return out


class ClaimsPreprocessor(Preprocessor):
    """Expands claim tokens before Markdown parses the page."""

    def __init__(self, md: Markdown, path: Path) -> None:
        super().__init__(md)
        self.path = path

    def run(self, lines: list[str]) -> list[str]:
        if not any("[[claim" in line for line in lines):
            return lines
        return render(lines, load(self.path))


class ClaimsExtension(Extension):
    """`markdown_extensions: [scripts.claims]`; option `path` points at another data file."""

    def __init__(self, **kwargs: Any) -> None:
        self.config = {"path": [str(CLAIMS_FILE), "the YAML file that holds the claims"]}
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:
        # Priority 31.5: after pymdownx.snippets (32), before scripts.facts (31), so that
        # fact tokens in the evidence are expanded too.
        md.preprocessors.register(
            ClaimsPreprocessor(md, Path(self.getConfig("path"))), "guide_claims", 31.5
        )


def makeExtension(**kwargs: Any) -> ClaimsExtension:
    return ClaimsExtension(**kwargs)

"""The source articles' claims live in data/claims.yml, shown once each, never as boxes."""

import datetime as dt
import re
from pathlib import Path

import markdown
import pytest

from scripts import claims, doc_checks, facts

DOCS = doc_checks.ROOT / "docs"
NOTE = re.compile(r"^\s*\[\[claim:([^\]\s]+)(?: root=[./]+)?\]\]\s*$", re.M)
FACT = re.compile(r"\[\[fact:([^\]\s]*)\]\]")
# An admonition titled "Correction..." in any of its spellings, collapsible ones included.
CORRECTION_BOX = re.compile(r'^\s*(?:!!!|\?\?\?\+?)\s*[\w-]+\s+"Correction', re.M)
# The lead migrates this page's box separately; it is the only exception.
NOT_YET_MIGRATED = {DOCS / "performance" / "index.md"}


def notes_by_page() -> dict[Path, list[str]]:
    """Every [[claim:ID]] note on the site's pages, by page."""
    return {page: NOTE.findall(page.read_text(encoding="utf-8")) for page in DOCS.rglob("*.md")}


def test_the_data_file_is_valid() -> None:
    data = claims.load()
    assert len(data) >= 30
    assert {claim.verdict for claim in data.values()} <= set(claims.VERDICTS)
    assert {a for claim in data.values() for a in claim.articles} == set(claims.ARTICLES)
    for claim in data.values():
        assert claim.checked <= dt.date.today(), claim.id
        assert (DOCS / claim.page).is_file(), f"{claim.id}: no page {claim.page}"
        if claim.verdict != "unsupported":  # "no source found" needs no link; others do
            assert "](" in claim.evidence or "[[fact:" in claim.evidence, claim.id


def test_evidence_quotes_only_known_facts() -> None:
    known = facts.load()
    quoted = {
        (claim.id, fact_id)
        for claim in claims.load().values()
        for fact_id in FACT.findall(claim.evidence + claim.summary)
    }
    assert quoted, "no claim quotes a fact"
    assert sorted(pair for pair in quoted if pair[1] not in known) == []


def test_every_note_names_a_known_claim() -> None:
    data = claims.load()
    unknown = [
        (page.name, claim_id)
        for page, ids in notes_by_page().items()
        for claim_id in ids
        if claim_id not in data
    ]
    assert unknown == []


def test_each_widespread_claim_is_noted_once_on_its_own_page() -> None:
    notes = notes_by_page()
    for claim in claims.load().values():
        shown = {page: ids.count(claim.id) for page, ids in notes.items() if claim.id in ids}
        if claim.widespread and claim.verdict != "holds":
            assert shown == {DOCS / claim.page: 1}, claim.id
        else:
            assert shown == {}, f"{claim.id} is not widespread: it belongs on the Claims page"


def test_no_page_keeps_a_correction_box() -> None:
    boxed = [
        str(page.relative_to(DOCS))
        for page in DOCS.rglob("*.md")
        if page not in NOT_YET_MIGRATED and CORRECTION_BOX.search(page.read_text(encoding="utf-8"))
    ]
    assert boxed == []


def render(text: str) -> str:
    """Render Markdown with the claims extension as the site does (facts left as tokens)."""
    return markdown.markdown(
        text, extensions=["scripts.claims", "tables", "admonition", "md_in_html"]
    )


def test_the_claims_page_lists_every_claim_with_its_anchor() -> None:
    page = (DOCS / "reference" / "claims.md").read_text(encoding="utf-8")
    assert re.search(r"^\[\[claims-table\]\]$", page, re.M)
    html = render(page)
    for claim in claims.load().values():
        assert f'id="{claim.anchor}"' in html, claim.id
    rows = re.findall(r"<tr>", html)
    assert len(rows) == len(claims.load()) + 1  # header row


def test_a_note_has_the_one_label_the_verdict_and_a_link_to_its_row() -> None:
    claim = next(claim for claim in claims.load().values() if claim.widespread)
    html = render(f"# Page\n\n[[claim:{claim.id}]]\n")
    assert f'<p class="admonition-title">{claims.NOTE_LABEL}</p>' in html
    assert f"<strong>{claim.verdict_label}.</strong>" in html
    assert f'href="../reference/claims.md#{claim.anchor}"' in html


@pytest.mark.parametrize(
    "page",
    ["[[claim:no-such-claim]]", "Inline [[claim:python-is-synchronous]] is refused."],
)
def test_an_unknown_or_misplaced_token_fails_loudly(page: str) -> None:
    with pytest.raises(claims.ClaimError):
        render(f"# Page\n\n{page}\n")


def test_tokens_in_code_are_left_alone() -> None:
    html = render("# Page\n\n`[[claim:no-such-claim]]`\n\n```text\n[[claim:nothing]]\n```\n")
    assert "[[claim:no-such-claim]]" in html
    assert "[[claim:nothing]]" in html


def test_a_malformed_record_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "claims.yml"
    bad.write_text(
        "claims:\n  - {id: x, article: E, claim: c, verdict: maybe, evidence: e,"
        " checked: 2026-01-01, page: compare/index.md, widespread: false}\n",
        encoding="utf-8",
    )
    with pytest.raises(claims.ClaimError, match="article"):
        claims.load(bad)

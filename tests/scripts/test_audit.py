"""The performance budget of scripts/audit.py: its arithmetic, its server, one real page."""

import gzip
import http.client
import re
import zlib
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest

from scripts import audit
from scripts.audit import LighthouseResult, LighthouseRun, PageWeight, Sent


def run(performance: float, shift: float = 0.0) -> LighthouseRun:
    """A performance run."""
    return LighthouseRun(performance, None, shift, benchmark_index=1000)


def accessibility(score: float = 100) -> LighthouseRun:
    """The accessibility run."""
    return LighthouseRun(None, score, None, benchmark_index=1000)


def result(form_factor: str, *runs: LighthouseRun) -> LighthouseResult:
    return LighthouseResult("decide/", form_factor, [accessibility(), *runs])


def test_a_page_over_300_kb_fails_and_images_do_not_count() -> None:
    at_budget = PageWeight(
        "a/",
        [
            Sent("a/index.html", 200, 100_000),
            Sent("assets/site.js", 200, 200_000),
            Sent("assets/images/big.png", 200, 900_000),  # images come after the budget
        ],
    )
    assert at_budget.total == 300_000
    assert not at_budget.over_budget
    over = PageWeight("b/", [*at_budget.sent, Sent("search/search_index.json", 200, 1)])
    assert over.over_budget
    assert over.by_kind() == {
        "html": 100_000,
        "css": 0,
        "js": 200_000,
        "data": 1,
        "font": 0,
        "other": 0,
    }
    assert audit.budget_failures([at_budget, over], []) == ["b/: 300 KB > 300 KB"]


def test_a_file_fetched_twice_counts_once() -> None:
    twice = PageWeight("a/", [Sent("a.js", 200, 10), Sent("a.js", 200, 10)])
    assert twice.total == 10


def test_each_score_under_its_bar_fails() -> None:
    assert result("mobile", run(90)).failures() == []
    assert result("desktop", run(95)).failures() == []
    assert result("mobile", run(89)).failures() == ["decide/ (mobile): performance 89 < 90"]
    assert result("desktop", run(94)).failures() == ["decide/ (desktop): performance 94 < 95"]
    failing = LighthouseResult("decide/", "mobile", [accessibility(98), run(100)])
    assert failing.failures() == ["decide/ (mobile): accessibility 98 < 100"]
    assert result("mobile", run(100, shift=0.099)).failures() == []
    assert result("mobile", run(100, shift=0.1)).failures() == [
        "decide/ (mobile): layout shift 0.100 >= 0.1"
    ]


def test_the_median_of_the_runs_decides() -> None:
    # One slow run on a busy machine does not fail a page; a slow median does.
    noisy = result("mobile", run(40), run(95), run(92))
    assert noisy.performance == 92
    assert noisy.performance_runs == 3
    assert noisy.failures() == []
    slow = result("mobile", run(97), run(60), run(70))
    assert slow.performance == 70
    assert slow.failures() == ["decide/ (mobile): performance 70 < 90"]
    shifting = result("desktop", run(99, shift=0.3), run(99, 0.0), run(99, 0.01))
    assert shifting.layout_shift == 0.01
    # Accessibility comes from its own run; the performance runs do not measure it.
    assert noisy.accessibility == 100
    assert audit.median([]) is None


def test_a_page_without_lighthouse_runs_fails() -> None:
    failed = LighthouseResult("", "mobile", [], ["exit 1: Chrome did not start"])
    assert failed.failures() == ["home (mobile): Lighthouse failed: exit 1: Chrome did not start"]
    assert LighthouseResult("", "desktop").failures() == ["home (desktop): no Lighthouse run"]
    no_accessibility = LighthouseResult("decide/", "mobile", [run(99)])
    assert no_accessibility.failures() == ["decide/ (mobile): accessibility not measured"]
    no_performance = LighthouseResult("decide/", "mobile", [accessibility()])
    assert no_performance.failures() == ["decide/ (mobile): performance not measured"]


def test_the_scores_are_read_from_lighthouse_json() -> None:
    environment = {"benchmarkIndex": 1234.5}
    performance: dict[str, Any] = {
        "categories": {"performance": {"score": 0.91}},
        "audits": {"cumulative-layout-shift": {"numericValue": 0.024}},
        "environment": environment,
    }
    assert audit.parse_lighthouse(performance) == LighthouseRun(91, None, 0.024, 1234.5)
    checked = {"categories": {"accessibility": {"score": 1}}, "audits": {}}
    assert audit.parse_lighthouse({**checked, "environment": environment}) == LighthouseRun(
        None, 100, None, 1234.5
    )
    performance["categories"] = {"performance": {"score": None}}
    with pytest.raises(RuntimeError, match="no performance score"):
        audit.parse_lighthouse(performance)


def test_lighthouse_runs_headless_desktop_only_when_asked() -> None:
    mobile = audit.lighthouse_command("http://x/", "mobile", "accessibility")
    assert "--only-categories=accessibility" in mobile
    assert "--chrome-flags=--headless=new --no-sandbox" in mobile
    assert not any(arg.startswith("--preset") for arg in mobile)
    desktop = audit.lighthouse_command("http://x/", "desktop", "performance")
    assert "--preset=desktop" in desktop
    # Only the audits that the performance score weighs, all five of them.
    metrics = "first-contentful-paint,largest-contentful-paint,total-blocking-time"
    assert f"--only-audits={metrics},cumulative-layout-shift,speed-index" in desktop


def test_the_mobile_cpu_slowdown_is_calibrated_to_the_machine() -> None:
    # Lighthouse's default 4x belongs to a benchmark index in the middle of 1500-2000.
    assert audit.cpu_slowdown(1750) == 4.0
    assert audit.cpu_slowdown(1200) == 2.7  # a slower machine is slowed down less
    assert audit.cpu_slowdown(2400) == 5.5  # a faster one more
    assert audit.cpu_slowdown(300) == 2.0  # never below Lighthouse's floor for this step
    mobile = audit.lighthouse_command("http://x/", "mobile", "performance", 2.7)
    assert "--throttling.cpuSlowdownMultiplier=2.7" in mobile
    desktop = audit.lighthouse_command("http://x/", "desktop", "performance", 2.7)
    assert not any("cpuSlowdownMultiplier" in arg for arg in desktop)  # its preset: 1x


def test_the_table_has_a_row_per_page_and_marks_what_is_over() -> None:
    weights = [
        PageWeight("", [Sent("index.html", 200, 5_000)]),
        PageWeight("decide/", [Sent("decide/index.html", 200, 400_000)]),
    ]
    lighthouse = [result("mobile", run(80)), result("desktop", run(99, shift=0.02))]
    text = audit.table(weights, lighthouse)
    home, decide = text.splitlines()[2:]
    assert home.startswith("/ ")
    assert home.endswith("ok")
    assert decide.startswith("/decide/")
    assert "80/99" in decide
    assert "0.000/0.020" in decide
    assert decide.endswith("over: weight, lighthouse")
    assert "median of 1 performance runs" in audit.summary(weights, lighthouse)


def test_the_files_every_page_fetches_are_named_largest_first() -> None:
    index = Sent("search/search_index.json", 200, 150_000)
    bundle = Sent("bundle.js", 200, 35_000)
    weights = [
        PageWeight("", [Sent("index.html", 200, 7_000), bundle, index]),
        PageWeight("a/", [Sent("a/index.html", 200, 9_000), index, bundle]),
    ]
    assert audit.on_every_page(weights) == [(index.path, 150_000), (bundle.path, 35_000)]
    assert "search/search_index.json 150 KB, bundle.js 35 KB" in audit.summary(weights, [])


def test_every_page_of_a_site_is_found(tmp_path: Path) -> None:
    for page in ("index.html", "404.html", "a/index.html", "a/b/index.html"):
        (tmp_path / page).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / page).write_text("<p>page</p>")
    assert audit.site_pages(tmp_path) == ["", "404.html", "a/", "a/b/"]


def test_the_server_gzips_text_and_answers_a_missing_page_with_404(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text("<p>hello</p>" * 100)
    (tmp_path / "404.html").write_text("<p>not here</p>")
    (tmp_path / "font.woff2").write_bytes(b"\x00" * 500)
    with audit.serving(tmp_path) as server:

        def get(path: str) -> tuple[int, dict[str, str], bytes]:
            connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1])
            try:
                connection.request("GET", f"/{path}", headers={"Accept-Encoding": "gzip"})
                response = connection.getresponse()
                return response.status, dict(response.getheaders()), response.read()
            finally:
                connection.close()

        status, headers, body = get("a/")
        assert status == 200
        assert headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(body) == (tmp_path / "a" / "index.html").read_bytes()
        status, headers, body = get("font.woff2")  # already compressed: sent as is
        assert "Content-Encoding" not in headers
        assert len(body) == 500
        status, _, body = get("missing/")
        assert status == 404
        assert gzip.decompress(body) == b"<p>not here</p>"
        sent = server.take_log()
    assert [item.path for item in sent] == ["a/index.html", "font.woff2", "404.html"]
    assert sent[0].body_bytes == len(gzip.compress((tmp_path / "a/index.html").read_bytes()))


class Linked(HTMLParser):
    """The stylesheets and scripts a page links, read without the audit's code."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "link" and attributes.get("rel") == "stylesheet" and attributes.get("href"):
            self.found.append(str(attributes["href"]))
        if tag == "script" and attributes.get("src"):
            self.found.append(str(attributes["src"]))


def independent_gzip_size(file: Path) -> int:
    """gzip through zlib's own stream API, not the gzip module the audit uses."""
    if file.suffix in {".woff2", ".woff"}:
        return file.stat().st_size
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: a gzip header and trailer
    return len(compressor.compress(file.read_bytes()) + compressor.flush())


@pytest.mark.browser
def test_the_weight_of_a_built_page_is_its_files_gzipped(built_site: Path) -> None:
    (weight,) = audit.measure_weights(built_site, ["patterns/hello/"])
    counted = {item.path for item in weight.counted()}
    # Everything the HTML links is counted, and so is the search index, which Material
    # fetches on every page load.
    html = built_site / "patterns" / "hello" / "index.html"
    parser = Linked()
    parser.feed(html.read_text(encoding="utf-8"))
    page_url = "http://site/patterns/hello/"
    linked = {urlsplit(urljoin(page_url, href)).path.lstrip("/") for href in parser.found}
    assert linked, "the page links no stylesheet or script"
    assert {"patterns/hello/index.html", "search/search_index.json", *linked} <= counted
    assert not any(re.search(r"\.(png|svg|jpe?g|webp|ico)$", path) for path in counted)
    assert weight.total == sum(independent_gzip_size(built_site / path) for path in counted)

